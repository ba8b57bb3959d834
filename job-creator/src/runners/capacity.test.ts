import { describe, expect, it } from "vitest";
import type { RunnerInfo } from "../gitlab/runners-api.js";
import { archCapacity, judgeRunner, placementOf } from "./capacity.js";

const runner = (overrides: Partial<RunnerInfo>): RunnerInfo => ({
  id: 1,
  description: "r",
  status: "online",
  paused: false,
  architecture: "arm64",
  tags: ["arm"],
  runningJobs: 0,
  ...overrides,
});

describe("judgeRunner", () => {
  it.each<[string, Partial<RunnerInfo>, string, boolean]>([
    ["online, of the arch", {}, "ready", true],
    ["online, not reported yet", { architecture: undefined }, "ready", true],
    ["aarch64 is arm64", { architecture: "aarch64" }, "ready", true],
    ["busy still counts", { runningJobs: 9 }, "ready", true],
    ["offline", { status: "offline" }, "offline", false],
    ["never contacted", { status: "never_contacted" }, "never contacted", false],
    ["stale", { status: "stale" }, "stale", false],
    ["paused", { paused: true }, "paused", false],
    ["another CPU", { architecture: "amd64" }, "runs amd64, not arm64", false],
  ])("%s", (_name, overrides, why, usable) => {
    expect(judgeRunner("arm64", runner(overrides))).toMatchObject({ why, usable });
  });
});

describe("placementOf", () => {
  const arch = { name: "arm64", runnerTags: ["arm", "big"] };
  const none = archCapacity(arch, []);
  const offline = archCapacity(arch, [runner({ id: 7, status: "offline" })]);

  it("builds natively when one runner is ready among others that are not", () => {
    const mixed = archCapacity(arch, [runner({ id: 2, paused: true }), runner({ id: 1 })]);
    expect(mixed.native).toBe(true);
    expect(mixed.runners.map((r) => r.id)).toEqual([1, 2]);
    expect(placementOf(mixed, undefined)).toEqual({ mode: "native" });
  });

  it.each([
    [
      "no runner, no emulation",
      none,
      undefined,
      "skipped",
      /^arm64 is left out of this pipeline: no runner of the project has the tags arm, big,/,
    ],
    [
      "an offline runner, emulation of images only",
      offline,
      { runnerTags: ["qemu"], spack: false },
      "emulated",
      /^arm64's base images are built under emulation on the runners tagged qemu; its Spack jobs and containers are left out.*\(#7 offline\)$/,
    ],
    [
      "emulation with Spack",
      offline,
      { runnerTags: ["qemu"], spack: true },
      "emulated",
      /its Spack jobs included \(emulation\.spack: true\)/,
    ],
  ] as const)("%s", (_name, capacity, emulation, mode, warning) => {
    const placement = placementOf(capacity, emulation);
    expect(placement.mode).toBe(mode);
    expect("warning" in placement && placement.warning).toMatch(warning);
  });
});
