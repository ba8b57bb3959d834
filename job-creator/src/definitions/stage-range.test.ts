import { describe, expect, it } from "vitest";
import { CHAIN_STAGES, includesStage, stageRangeArguments, stageRangeFrom } from "./stage-range.js";

describe("stageRangeFrom", () => {
  it.each([
    [undefined, undefined, "base-images", "deploy"],
    ["", " ", "base-images", "deploy"],
    ["containers", undefined, "containers", "deploy"],
    [undefined, "cache", "base-images", "cache"],
    ["sif", "sif", "sif", "sif"],
  ])("--from %j --to %j", (from, to, expectedFrom, expectedTo) => {
    expect(stageRangeFrom(from, to)).toEqual({ from: expectedFrom, to: expectedTo });
  });

  it.each([
    [
      "build",
      undefined,
      "--from: no stage build; the stages are base-images, cache, containers, sif, publish, deploy",
    ],
    [undefined, "$(id)", "--to: no stage $(id); the stages are"],
    ["publish", "sif", "--from publish comes after --to sif: the stages run base-images -> cache"],
  ])("refuses --from %j --to %j", (from, to, message) => {
    expect(() => stageRangeFrom(from, to)).toThrow(message);
  });

  it("includes the stages between its ends, and says itself as arguments", () => {
    const range = stageRangeFrom("cache", "sif");
    expect(CHAIN_STAGES.filter((s) => includesStage(range, s))).toEqual([
      "cache",
      "containers",
      "sif",
    ]);
    expect(stageRangeArguments(range)).toEqual(["--from cache", "--to sif"]);
    expect(stageRangeArguments(stageRangeFrom())).toEqual([]);
  });
});
