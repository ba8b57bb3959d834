import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../helpers/paths.js";
import { generateSpackOutputs } from "./spack-output.js";

describe("the synthetic generator", () => {
  it("writes jobs of the same shape as Spack v0.21's", async () => {
    const real = load(
      await readFile(join(SPACK_FIXTURES, "scenarios-v0.21/large/pipeline.yml"), "utf8"),
    ) as Record<string, Record<string, unknown>>;
    const synthetic = load(
      generateSpackOutputs({
        uniqueJobs: 200,
        containers: 2,
        rootsPerContainer: 2,
        maxDependencies: 4,
        seed: 7,
      }).get("container-000")!,
    ) as Record<string, Record<string, unknown>>;
    const rebuild = (doc: Record<string, Record<string, unknown>>) =>
      Object.entries(doc).find(([n]) => n.includes(" /"))![1];
    expect(Object.keys(rebuild(synthetic)).sort()).toEqual(Object.keys(rebuild(real)).sort());
    expect(Object.keys(rebuild(synthetic)["variables"] as object).sort()).toEqual(
      Object.keys(rebuild(real)["variables"] as object).sort(),
    );
    expect(
      Object.keys(synthetic)
        .filter((k) => !k.includes(" /"))
        .sort(),
    ).toEqual(
      Object.keys(real)
        .filter((k) => !k.includes(" /"))
        .sort(),
    );
    expect(Object.keys(synthetic["variables"]!)).toEqual(
      expect.arrayContaining([
        "SPACK_ARTIFACTS_ROOT",
        "SPACK_CONCRETE_ENV_DIR",
        "SPACK_REMOTE_MIRROR_URL",
      ]),
    );
  });
});
