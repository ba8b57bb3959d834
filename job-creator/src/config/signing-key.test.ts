import { readFileSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../common/src/errors.js";
import { TEST_PUBLIC_KEY, tempDir } from "../../../test/helpers/temp-repo.js";
import type { Architecture } from "./architecture.js";
import { readSigningPublicKey } from "./signing-key.js";

const PUBLIC_KEY = readFileSync(TEST_PUBLIC_KEY, "utf8");
const PRIVATE_KEY =
  "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEZ0secret\n-----END PGP PRIVATE KEY BLOCK-----\n";

const signedArch = (publicKey: string) =>
  ({
    name: "amd64",
    cache: { signing: { keyVariable: "CACHE_SIGNING_KEY", publicKey } },
  }) as unknown as Architecture;

/** The one problem readSigningPublicKey reports, or the key it read. */
async function read(repo: string, publicKey: string): Promise<string> {
  try {
    return (
      (await readSigningPublicKey(repo, signedArch(publicKey), "spacktainers.config.yaml")) ?? ""
    );
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe("architectures.amd64.cache.signing.publicKey");
    return `error: ${error.problems[0]!.message}`;
  }
}

describe("the public key of a signed cache", () => {
  it("is read, trimmed to the armored block, from a file of the repository", async () => {
    const repo = await tempDir();
    await mkdir(join(repo, "keys"));
    await writeFile(join(repo, "keys/cache.pub"), `\n${PUBLIC_KEY}\n\n`);
    expect(await read(repo, "keys/cache.pub")).toBe(PUBLIC_KEY);
  });

  it("is nothing for an unsigned cache", async () => {
    const arch = { name: "amd64", cache: {} } as unknown as Architecture;
    expect(await readSigningPublicKey(await tempDir(), arch, "c.yaml")).toBeUndefined();
  });

  it.each([
    ["a missing file", "keys/none.pub", undefined, /keys\/none.pub: no such file/],
    ["a private key", "keys/cache.pub", PRIVATE_KEY, /holds a PRIVATE key: remove it/],
    [
      "a private key after a public one",
      "keys/cache.pub",
      PUBLIC_KEY + PRIVATE_KEY,
      /holds a PRIVATE key/,
    ],
    ["an empty file", "keys/cache.pub", "", /is not an ASCII-armored public key/],
    ["a binary key", "keys/cache.pub", "\x99\x01\x0d\x04", /is not an ASCII-armored public key/],
    ["two keys", "keys/cache.pub", PUBLIC_KEY + PUBLIC_KEY, /holds several key blocks/],
    ["a huge file", "keys/cache.pub", "x".repeat(300_000), /is not a file of at most 262144/],
  ])("refuses %s, naming the setting", async (_, path, content, message) => {
    const repo = await tempDir();
    await mkdir(join(repo, "keys"));
    if (content !== undefined) await writeFile(join(repo, path), content);
    expect(await read(repo, path)).toMatch(message);
  });

  it("refuses a folder, and a symlink that leaves the repository", async () => {
    const repo = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, "cache.pub"), PUBLIC_KEY);
    await mkdir(join(repo, "keys/folder.pub"), { recursive: true });
    await symlink(join(outside, "cache.pub"), join(repo, "keys/out.pub"));
    await symlink("loop.pub", join(repo, "keys/loop.pub"));
    expect(await read(repo, "keys/folder.pub")).toMatch(/is not a file of at most/);
    expect(await read(repo, "keys/out.pub")).toMatch(/resolves outside the repository/);
    expect(await read(repo, "keys/loop.pub")).toMatch(/a loop of symbolic links/);
  });
});
