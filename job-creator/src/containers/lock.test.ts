import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../common/src/errors.js";
import { GENERATED_LIMIT } from "../../../common/src/read-file.js";
import { SPACK_FIXTURES } from "../../../test/helpers/paths.js";
import { readContainerLock } from "./lock.js";

const FIXTURE = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lock-"));
  const put = async (container: string, text?: string) => {
    await mkdir(join(dir, container));
    if (text === undefined) await copyFile(FIXTURE, join(dir, container, "spack.lock"));
    else await writeFile(join(dir, container, "spack.lock"), text);
  };
  await put("good");
  await put("not-json", '{"concrete_specs": {');
  await put("not-a-lock", '{"roots": []}');
  await put("old", '{"_meta": {"lockfile-version": 2}, "concrete_specs": {}}');
  await mkdir(join(dir, "missing"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (container: string) =>
  readContainerLock({ kind: "dir", dir }, container, "/nowhere", GENERATED_LIMIT);

describe("readContainerLock", () => {
  it("gives the parsed lock, its path and the sha256 of its bytes", async () => {
    const bytes = await readFile(FIXTURE);
    const lock = await read("good");
    expect(lock.path).toBe(join(dir, "good", "spack.lock"));
    expect(lock.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(lock.lock.roots.length).toBeGreaterThan(0);
    const root = lock.lock.specs.get(lock.lock.roots[0]!.hash);
    expect(root).toMatchObject({ hash: lock.lock.roots[0]!.hash, external: false });
    expect(root!.version).toMatch(/\d/);
  });

  it("answers many reads at once, each with its own file", async () => {
    const containers = Array.from(
      { length: 24 },
      (_, i) => ["good", "not-json", "missing"][i % 3]!,
    );
    const results = await Promise.allSettled(containers.map(read));
    results.forEach((result, i) => {
      if (containers[i] === "good") expect(result.status).toBe("fulfilled");
      else
        expect((result as PromiseRejectedResult).reason).toMatchObject({
          message: expect.stringContaining(join(dir, containers[i]!, "spack.lock")) as unknown,
        });
    });
  });

  it.each([
    ["missing", /no spack.lock for container "missing" \(ENOENT\): the generate job/],
    ["not-json", /not-json\/spack.lock: not JSON/],
    ["not-a-lock", /not a spack.lock: no concrete_specs/],
    ["old", /lockfile version 2 is not supported/],
  ])("refuses %s as bad input (exit 2), naming the file", async (container, message) => {
    const error = (await read(container).catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(2);
    expect(error.problems[0]!.file).toBe(join(dir, container, "spack.lock"));
    expect(error.message).toMatch(message);
  });
});
