import { describe, expect, it } from "vitest";
import { mergeEnvironments } from "./merge-env.js";

describe("mergeEnvironments", () => {
  const template = {
    concretizer: { unify: true, reuse: false },
    packages: { all: { providers: { mpi: ["openmpi"] } } },
    config: { build_jobs: 8 },
  };

  it("merges mappings and concatenates lists without repeats", () => {
    const { merged, conflicts } = mergeEnvironments(template, {
      specs: ["zlib"],
      packages: { all: { providers: { mpi: ["openmpi", "mpich"] } }, hdf5: { require: "+mpi" } },
    });
    expect(conflicts).toEqual([]);
    expect(merged).toEqual({
      concretizer: { unify: true, reuse: false },
      packages: { all: { providers: { mpi: ["openmpi", "mpich"] } }, hdf5: { require: "+mpi" } },
      config: { build_jobs: 8 },
      specs: ["zlib"],
    });
  });

  it("puts the definition's includes first: Spack's first include wins (checked with v0.21)", () => {
    const { merged } = mergeEnvironments(
      { include: ["site.yaml", "shared.yaml"], specs: ["a"] },
      { include: ["mine.yaml", "shared.yaml"], specs: ["b"] },
    );
    expect(merged["include"]).toEqual(["mine.yaml", "shared.yaml", "site.yaml"]);
    expect(merged["specs"]).toEqual(["a", "b"]);
  });

  it("reports a different scalar as a conflict with its path", () => {
    const { conflicts } = mergeEnvironments(template, {
      specs: ["x"],
      concretizer: { unify: false },
    });
    expect(conflicts).toEqual([
      { path: ["concretizer", "unify"], template: true, definition: false },
    ]);
  });

  it("lets `key::` replace the template's value", () => {
    const { merged, conflicts } = mergeEnvironments(template, {
      "concretizer::": { unify: "when_possible" },
    });
    expect(conflicts).toEqual([]);
    expect(merged).not.toHaveProperty("concretizer");
    expect(merged["concretizer::"]).toEqual({ unify: "when_possible" });
  });

  it("does not change its inputs", () => {
    const copy = structuredClone(template);
    mergeEnvironments(template, { packages: { all: { providers: { mpi: ["mpich"] } } } });
    expect(template).toEqual(copy);
  });
});
