import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { parseLockFile, readSpecNode } from "./spack-specs.js";

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
    // A lock file is closed under dependencies: every spec's nodes name specs of the file.
    for (const [hash, node] of Object.entries(raw.concrete_specs))
      for (const dep of readSpecNode(hash, node)!.dependencies) expect(specs.has(dep)).toBe(true);
  });

  it("keeps build-only dependencies out of what a binary needs", async () => {
    const raw = (await json("versions/v0.20-spack.lock")) as {
      concrete_specs: Record<string, { dependencies?: { hash: string; type: string[] }[] }>;
    };
    for (const [hash, node] of Object.entries(raw.concrete_specs)) {
      const linkOrRun = (node.dependencies ?? [])
        .filter((d) => d.type.some((t) => t !== "build"))
        .map((d) => d.hash);
      expect(readSpecNode(hash, node)!.dependencies).toEqual(linkOrRun);
    }
  });

  it("rejects what is not a lock file", () => {
    expect(parseLockFile({ roots: [] })).toEqual({ error: "not a spack.lock: no concrete_specs" });
    expect(parseLockFile({ _meta: { "lockfile-version": 2 }, concrete_specs: {} })).toHaveProperty(
      "error",
    );
  });
});
