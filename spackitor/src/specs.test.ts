import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { parseIndex, parseLockFile } from "./specs.js";

const json = async (path: string) => JSON.parse(await readFile(join(SPACK_FIXTURES, path), "utf8")) as unknown;

describe("lock files", () => {
  it.each([
    ["versions/v0.20-spack.lock", 4],
    ["versions/v0.21-spack.lock", 5],
    ["versions/v1.0-spack.lock", 6],
  ])("reads %s (lockfile v%i) with every concrete spec", async (path) => {
    const raw = (await json(path)) as { concrete_specs: Record<string, unknown> };
    const specs = parseLockFile(raw);
    if ("error" in specs) throw new Error(specs.error);
    expect(new Set(specs.keys())).toEqual(new Set(Object.keys(raw.concrete_specs)));
    // Every dependency of a spec in the lock file is in it too.
    for (const spec of specs.values()) for (const dep of spec.dependencies) expect(specs.has(dep)).toBe(true);
  });

  it("keeps build-only dependencies out of what a binary needs", async () => {
    const specs = parseLockFile(await json("versions/v0.20-spack.lock"));
    if ("error" in specs) throw new Error(specs.error);
    const raw = (await json("versions/v0.20-spack.lock")) as { concrete_specs: Record<string, { dependencies?: { hash: string; type: string[] }[] }> };
    for (const [hash, node] of Object.entries(raw.concrete_specs)) {
      const linkOrRun = (node.dependencies ?? []).filter((d) => d.type.some((t) => t !== "build")).map((d) => d.hash);
      expect(specs.get(hash)!.dependencies).toEqual(linkOrRun);
    }
  });

  it("rejects what is not a lock file", () => {
    expect(parseLockFile({ roots: [] })).toEqual({ error: "not a spack.lock: no concrete_specs" });
    expect(parseLockFile({ _meta: { "lockfile-version": 2 }, concrete_specs: {} })).toHaveProperty("error");
  });
});

describe("indexes", () => {
  it("reads a Spack 1.0 index: no compiler field, externals and in_buildcache: false are not in the cache", async () => {
    const index = parseIndex(await json("buildcache/v3-v1.0-small/index-blob-db-v8.raw.json"));
    if ("error" in index) throw new Error(index.error);
    const absent = [...index.values()].filter((e) => !e.inBuildcache).map((e) => e.name).sort();
    expect(absent).toEqual(["gcc", "glibc"]);
  });

  it("reads an index listing dependencies that were never pushed", async () => {
    const index = parseIndex(await json("buildcache/legacy-v0.21-small/index-only-libxml2-pushed.raw.json"));
    if ("error" in index) throw new Error(index.error);
    expect([...index.values()].filter((e) => e.inBuildcache).map((e) => e.name)).toEqual(["libxml2"]);
  });
});
