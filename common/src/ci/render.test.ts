import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  renderJobBlock,
  renderNeedsLines,
  renderPipeline,
  renderPipelineFromBlocks,
  sortedJobNames,
} from "./render.js";
import type { CiPipeline } from "./types.js";

const pipeline: CiPipeline = {
  stages: ["stage-0", "stage-2", "stage-10"],
  variables: { FLAG: "yes", SWITCH: "on", DAY: "2026-01-01", NUM: "08" },
  jobs: {
    "b stage-10": { stage: "stage-10", script: ["x"] },
    "job-10": { stage: "stage-0", script: ["x"] },
    "job-2": { stage: "stage-0", script: ["x"] },
    "a stage-2": { stage: "stage-2", script: ["x"], needs: [{ job: "job-2", artifacts: false }] },
  },
};

describe("renderPipeline", () => {
  it("orders jobs by stage, then by name in natural order", () => {
    expect(sortedJobNames(pipeline)).toEqual(["job-2", "job-10", "a stage-2", "b stage-10"]);
  });

  it("quotes strings GitLab's YAML 1.1 parser would read as booleans, dates or numbers", () => {
    const text = renderPipeline(pipeline);
    expect(text).toContain("FLAG: 'yes'");
    expect(text).toContain("SWITCH: 'on'");
    expect(text).toContain("DAY: '2026-01-01'");
    expect(text).toContain("NUM: '08'");
  });

  it("is pure: the same text twice, parsing back to the same data, without anchors", () => {
    const shared = ["same", "list"];
    const withShared: CiPipeline = { jobs: { a: { script: shared }, b: { script: shared } } };
    const text = renderPipeline(withShared);
    expect(renderPipeline(withShared)).toBe(text);
    expect(text).not.toMatch(/[&*]ref_/);
    expect(load(text)).toEqual({ a: { script: shared }, b: { script: shared } });
  });
});

describe("renderPipelineFromBlocks", () => {
  it("gives exactly the text of renderPipeline when needs come last", () => {
    const jobs: CiPipeline["jobs"] = {
      "zlib@1.3 /abc %gcc@12 arch=linux-x": {
        stage: "stage-1",
        script: ["a: b", "yes"],
        variables: { X: "on" },
        needs: [
          { job: "dep: 1", artifacts: false },
          { pipeline: "$P", job: "gen", artifacts: true },
        ],
      },
      "dep: 1": {
        stage: "stage-0",
        script: ["x"],
        needs: [{ pipeline: "$P", job: "gen", artifacts: true }],
      },
      hostile: {
        stage: "stage-1",
        script: ["x"],
        needs: [
          { job: "two\nlines\n\nand a gap", artifacts: false },
          { job: "  leading space, 'quotes' \"and\" # not a comment", artifacts: false },
          { job: "- dash: $(x); `y`", optional: true },
          "plain",
        ],
      },
    };
    const pipeline: CiPipeline = { stages: ["stage-0", "stage-1"], jobs };
    const blocks = new Map(
      Object.entries(jobs).map(([name, { needs, ...job }]) => [
        name,
        renderJobBlock(name, job) + renderNeedsLines(needs ?? []),
      ]),
    );
    expect(renderPipelineFromBlocks(pipeline, blocks)).toBe(renderPipeline(pipeline));
  });
});
