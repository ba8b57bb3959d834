import { describe, expect, it } from "vitest";
import { GITLAB_DEFAULT_LIMITS } from "../../../common/src/ci/limits.js";
import { partitionByWaves, waveGraph, type WaveShape } from "./partitions.js";
import type { SplitJob } from "./split.js";

/** `name<-dep,dep:minutes`, in dependency order. */
function graph(...specs: string[]) {
  const jobs: SplitJob[] = specs.map((spec) => {
    const [head, minutes] = spec.split(":");
    const [name, deps] = head!.split("<-");
    return {
      name: name!,
      level: 0,
      dependencies: deps ? deps.split(",") : [],
      bytes: 100,
      templates: [],
      minutes: Number(minutes),
    };
  });
  const index = new Map(jobs.map((j, i) => [j.name, i]));
  const deps = jobs.map((j) => j.dependencies.map((d) => index.get(d)!));
  const budget = { limits: GITLAB_DEFAULT_LIMITS, templateBytes: new Map(), overhead: 0 };
  return {
    files: (shape: WaveShape) =>
      partitionByWaves(waveGraph({ jobs, deps, budget }), shape).map((f) =>
        f.members.map((i) => jobs[i]!.name).join(" "),
      ),
  };
}

describe("partitionByWaves", () => {
  // Critical path r1 c1 c2: 30 minutes; the whole of it is the horizon.
  const stack = graph("r1:10", "r2:1", "c1<-r1:10", "y<-r2:5", "c2<-c1:10");
  const wave: WaveShape = { horizon: 1, rootShare: 1, longAfter: Infinity };

  it("takes every dependant that ends within the horizon into its file", () => {
    expect(stack.files(wave)).toEqual(["r1 r2 c1 y c2"]);
  });

  it("ends a file with its critical chain: a dependant off it joins only within the shorter horizon", () => {
    // y ends at 6, 24 minutes before the file's longest chain: off the path, and past
    // a tenth of the horizon (3 minutes), it waits for the file.
    const offPath = { slack: 0.1, horizon: 0.1 };
    expect(stack.files({ ...wave, offPath })).toEqual(["r1 r2 c1 c2", "y"]);
  });

  it("starts a long build in a file of its own, beside the quick ones", () => {
    const jobs = graph("long:100", "q1:2", "q2:2", "d<-q1:2");
    expect(jobs.files({ horizon: 0.1, rootShare: 1, longAfter: 1 })).toEqual(["long", "q1 q2 d"]);
    expect(jobs.files({ horizon: 0.1, rootShare: 1, longAfter: Infinity })).toEqual([
      "long q1 q2 d",
    ]);
  });

  it("starts waves only at steps of the critical path when asked, so that files are fewer", () => {
    // a's file ends at 1, L's at 4: a wave at each end starts a file for each dependant;
    // with steps of the whole critical path (5 minutes) both start at 5, in one file.
    const jobs = graph("L:4", "a:1", "a2<-a:1", "L2<-L:1");
    const shape = { horizon: 0.1, rootShare: 1, longAfter: 4 };
    expect(jobs.files(shape)).toEqual(["L", "a", "a2", "L2"]);
    expect(jobs.files({ ...shape, quantum: 1 })).toEqual(["L", "a", "a2 L2"]);
  });
});
