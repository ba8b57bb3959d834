import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { parseLockFile } from "./spack-specs.js";

const json = async (path: string) =>
  JSON.parse(await readFile(join(SPACK_FIXTURES, path), "utf8")) as unknown;

describe("lock files", () => {
  it.each([
    ["versions/v0.20-spack.lock", 4],
    ["versions/v0.21-spack.lock", 5],
    ["versions/v1.0-spack.lock", 6],
  ])("reads %s (lockfile v%i) with every concrete spec", async (path) => {
    const raw = (await json(path)) as { concrete_specs: Record<string, unknown> };
    const lock = parseLockFile(raw);
    if ("error" in lock) throw new Error(lock.error);
    const specs = lock.specs;
    expect(new Set(specs.keys())).toEqual(new Set(Object.keys(raw.concrete_specs)));
    // Every dependency of a spec in the lock file is in it too.
    for (const spec of specs.values())
      for (const dep of spec.dependencies) expect(specs.has(dep)).toBe(true);
  });

  it("keeps build-only dependencies out of what a binary needs", async () => {
    const lock = parseLockFile(await json("versions/v0.20-spack.lock"));
    if ("error" in lock) throw new Error(lock.error);
    const specs = lock.specs;
    const raw = (await json("versions/v0.20-spack.lock")) as {
      concrete_specs: Record<string, { dependencies?: { hash: string; type: string[] }[] }>;
    };
    for (const [hash, node] of Object.entries(raw.concrete_specs)) {
      const linkOrRun = (node.dependencies ?? [])
        .filter((d) => d.type.some((t) => t !== "build"))
        .map((d) => d.hash);
      expect(specs.get(hash)!.dependencies).toEqual(linkOrRun);
    }
  });

  it("rejects what is not a lock file", () => {
    expect(parseLockFile({ roots: [] })).toEqual({ error: "not a spack.lock: no concrete_specs" });
    expect(parseLockFile({ _meta: { "lockfile-version": 2 }, concrete_specs: {} })).toHaveProperty(
      "error",
    );
  });
});
