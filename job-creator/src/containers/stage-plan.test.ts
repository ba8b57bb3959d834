import { describe, expect, it } from "vitest";
import type { PublishTargetConfig } from "../config/schema.js";
import { stageRangeFrom } from "../definitions/stage-range.js";
import type { ContainerDecision } from "./decide.js";
import { restrictToStages } from "./stage-plan.js";
import type { ContainerTarget } from "./targets.js";

const spack = { kind: "spack", name: "app", tag: "1.0" } as ContainerTarget;
const hub = { name: "hub" } as PublishTargetConfig;
const everything: ContainerDecision = {
  target: spack,
  build: { reason: "image missing" },
  sif: { reason: "SIF file missing" },
  publish: [{ target: hub, ref: "docker.io/org/app:1.0", reason: "image on hub missing" }],
  deploy: { reason: "a new SIF file" },
  upToDate: [],
};
const current: ContainerDecision = { target: spack, publish: [], upToDate: ["all"] };
const sifOnly: ContainerDecision = {
  ...current,
  sif: { reason: "SIF file missing" },
  deploy: { reason: "a new SIF file" },
};

const steps = (d: ContainerDecision) =>
  [
    d.build && "build",
    d.sif && "sif",
    d.publish.length > 0 && "publish",
    d.deploy && `deploy (${d.deploy.reason})`,
  ].filter(Boolean);
const restrict = (d: ContainerDecision, from?: string, to?: string, checked = true) =>
  restrictToStages([d], stageRangeFrom(from, to), { checked, deploys: true })[0]!;

describe("restrictToStages", () => {
  it.each([
    [
      "all steps",
      everything,
      undefined,
      undefined,
      ["build", "sif", "publish", "deploy (a new SIF file)"],
    ],
    ["all steps", everything, "cache", "containers", ["build"]],
    ["all steps", everything, undefined, "sif", ["build", "sif"]],
    ["a missing SIF file", sifOnly, "sif", undefined, ["sif", "deploy (a new SIF file)"]],
    [
      "a current container",
      current,
      "deploy",
      undefined,
      ["deploy (--from deploy: the SIF file in the bucket)"],
    ],
    ["a current container", current, "publish", "publish", []],
  ])("%s, --from %s --to %s", (_what, decision, from, to, expected) => {
    expect(steps(restrict(decision, from, to))).toEqual(expected);
  });

  it("refuses to start after a stage whose output is missing, naming the stage to start from", () => {
    expect(() => restrict(everything, "sif")).toThrow(
      "app:1.0: its image is not usable (image missing); run from containers",
    );
    expect(() => restrict(sifOnly, "deploy")).toThrow(
      "app:1.0: its SIF file is not usable (SIF file missing); run from sif",
    );
  });

  it("offline, where nothing is known, keeps the steps of the range", () => {
    expect(steps(restrict(everything, "sif", undefined, false))).toEqual([
      "sif",
      "publish",
      "deploy (a new SIF file)",
    ]);
  });
});
