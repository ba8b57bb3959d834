import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { UserError } from "./errors.js";
import { OUTPUT_MARKER, replaceDirectory, type FileContent } from "./replace-dir.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("replaceDirectory with files copied from disk", () => {
  it("writes a copied file beside written ones, byte for byte", async () => {
    const dir = await tempDir();
    const source = join(dir, "spack.lock");
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256));
    await writeFile(source, bytes);
    const out = join(dir, "out");
    const files = new Map<string, FileContent>([
      ["a/spack.lock", { copyOf: source, sha256: sha256(bytes) }],
      ["a/Dockerfile", "FROM x\n"],
    ]);
    await replaceDirectory(out, files, { repoRoot: join(dir, "repo"), inputs: [source] });
    expect((await readFile(join(out, "a/spack.lock"))).equals(bytes)).toBe(true);
    expect(await readFile(join(out, "a/Dockerfile"), "utf8")).toBe("FROM x\n");
  });

  it("refuses a file changed or removed since it was read, leaving the old folder as it was", async () => {
    const dir = await tempDir();
    const source = join(dir, "spack.lock");
    await writeFile(source, "read by the run");
    const out = join(dir, "out");
    const guard = { repoRoot: join(dir, "repo"), inputs: [source] };
    await replaceDirectory(out, new Map([["before.txt", "the earlier run"]]), guard);
    const read = sha256(Buffer.from("read by the run"));
    await writeFile(source, "changed meanwhile");
    const error = await replaceDirectory(
      out,
      new Map([["a/spack.lock", { copyOf: source, sha256: read }]]),
      guard,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `${source} changed while this command ran (its sha256 is no longer the one read): run it again`,
    );
    await rm(source);
    const gone = await replaceDirectory(
      out,
      new Map([["a/spack.lock", { copyOf: source, sha256: read }]]),
      guard,
    ).catch((e: unknown) => e);
    expect((gone as Error).message).toBe(
      `${source} changed while this command ran (ENOENT): run it again`,
    );
    expect((await readdir(out)).sort()).toEqual([OUTPUT_MARKER, "before.txt"].sort());
    expect(await readdir(dir)).toEqual(["out"]);
  });

  it("refuses a named pipe put in a copied file's place, without waiting for a writer", async () => {
    const dir = await tempDir();
    const source = join(dir, "spack.lock");
    await writeFile(source, "read by the run");
    const read = sha256(Buffer.from("read by the run"));
    await rm(source);
    execFileSync("mkfifo", [source]);
    const error = await replaceDirectory(
      join(dir, "out"),
      new Map([["a/spack.lock", { copyOf: source, sha256: read }]]),
      { repoRoot: join(dir, "repo"), inputs: [source] },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot read: a named pipe, not a regular file/);
    expect((await readdir(dir)).sort()).toEqual(["spack.lock"]);
  });
});
