import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../../test/helpers/paths.js";
import { parseIndex } from "./index.js";

const json = async (path: string) =>
  JSON.parse(await readFile(join(SPACK_FIXTURES, path), "utf8")) as unknown;

describe("indexes", () => {
  it("reads a Spack 1.0 index: no compiler field, externals and in_buildcache: false are not in the cache", async () => {
    const index = parseIndex(await json("buildcache/v3-v1.0-small/index-blob-db-v8.raw.json"));
    if ("error" in index) throw new Error(index.error);
    const absent = [...index.values()]
      .filter((e) => !e.inBuildcache)
      .map((e) => e.name)
      .sort();
    expect(absent).toEqual(["gcc", "glibc"]);
  });

  it("reads an index listing dependencies that were never pushed", async () => {
    const index = parseIndex(
      await json("buildcache/legacy-v0.21-small/index-only-libxml2-pushed.raw.json"),
    );
    if ("error" in index) throw new Error(index.error);
    expect([...index.values()].filter((e) => e.inBuildcache).map((e) => e.name)).toEqual([
      "libxml2",
    ]);
  });
});
