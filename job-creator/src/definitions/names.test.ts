import { describe, expect, it } from "vitest";
import { containerNameProblem, isDisabled } from "./names.js";

describe("containerNameProblem", () => {
  it.each([
    "neuron",
    "py-scientific",
    "hdf5_1.14",
    "a--b",
    "x1",
    "spacktainer_pipeline",
    "spacktainer_pipeline-x.yaml",
  ])("accepts %s", (name) => {
    expect(containerNameProblem(name)).toBeUndefined();
  });
  it.each([
    "Neuron",
    "a b",
    "a;b",
    "a/b",
    "a__b",
    "../x",
    "$(id)",
    "-x",
    "x-",
    "a:b",
    "é",
    "x".repeat(65),
    // Files written beside the build contexts, which are folders of the containers' names.
    "spacktainer_pipeline.yaml",
    "spacktainer_pipeline.md",
    "spacktainer_pipeline-12.yaml",
    "spacktainer_pipeline-2.md",
  ])("rejects %j", (name) => {
    expect(containerNameProblem(name)).toMatch(/name/);
  });
  it("treats names starting with _ as disabled", () => {
    expect(isDisabled("_arm64")).toBe(true);
    expect(isDisabled("arm64")).toBe(false);
  });
});
