import { describe, expect, it } from "vitest";
import { GITLAB_DEFAULT_LIMITS, type CiLimits } from "../../../common/src/ci/limits.js";
import { estimate } from "./makespan.js";
import { FILE_OVERHEAD_BYTES, planSplit, type SplitJob } from "./split.js";

/** `name<-dep,dep:minutes` -> a job of 100 bytes at the level its dependencies give it. */
function graph(...specs: string[]): SplitJob[] {
  const levels = new Map<string, number>();
  return specs.map((spec) => {
    const [head, minutes] = spec.split(":");
    const [name, deps] = head!.split("<-");
    const dependencies = deps ? deps.split(",") : [];
    const level = Math.max(-1, ...dependencies.map((d) => levels.get(d)!)) + 1;
    levels.set(name!, level);
    return {
      name: name!,
      level,
      dependencies,
      bytes: 100,
      templates: [],
      minutes: Number(minutes ?? 10),
    };
  });
}

const limits = (jobsPerFile: number, extra: Partial<CiLimits> = {}): CiLimits => ({
  ...GITLAB_DEFAULT_LIMITS,
  maxJobsPerFile: jobsPerFile,
  ...extra,
});
/** Room for `jobs` jobs of 100 bytes per file (the trigger pipeline keeps its 500 jobs). */
const perFile = (jobs: number): CiLimits =>
  limits(500, { maxFileBytes: FILE_OVERHEAD_BYTES + jobs * 100 });
const files = (plan: ReturnType<typeof planSplit>) =>
  plan.map((p) => `${p.jobs.join(" ")}${p.after.length ? ` after ${p.after.join(",")}` : ""}`);

describe("planSplit", () => {
  it("keeps everything in one file when it fits", () => {
    expect(files(planSplit(graph("a", "b<-a", "c<-b"), limits(500), new Map()))).toEqual(["a b c"]);
  });

  it("lets files without dependencies between them run side by side", () => {
    const jobs = graph("a1", "b1", "a2<-a1", "b2<-b1", "a3<-a2", "b3<-b2");
    const plan = planSplit(jobs, perFile(3), new Map());
    expect(plan).toHaveLength(2);
    expect(plan.every((p) => p.after.length === 0)).toBe(true);
    expect(plan.map((p) => p.jobs.join(" ")).sort()).toEqual(["a1 a2 a3", "b1 b2 b3"]);
  });

  it("makes a file wait only for the files that hold its jobs' dependencies", () => {
    const jobs = graph("a", "b", "c", "d", "a2<-a", "d2<-d");
    const plan = planSplit(jobs, perFile(2), new Map());
    const fileOf = (job: string) => plan.findIndex((p) => p.jobs.includes(job));
    for (const [job, dep] of [
      ["a2", "a"],
      ["d2", "d"],
    ] as const) {
      const part = plan[fileOf(job)]!;
      if (fileOf(job) !== fileOf(dep)) expect(part.after).toContain(fileOf(dep));
      for (const waited of part.after)
        expect(
          part.jobs.some((j) =>
            jobs
              .find((x) => x.name === j)!
              .dependencies.some((d) => plan[waited]!.jobs.includes(d)),
          ),
        ).toBe(true);
    }
  });

  it("keeps a slow chain apart from quick jobs so that their dependants need not wait for it", () => {
    // Levels would put "slow" with the quick roots, and every dependant would wait 300 minutes.
    const jobs = graph(
      "slow:300",
      "q1:5",
      "q2:5",
      "q3:5",
      "s2<-slow:5",
      "r1<-q1:5",
      "r2<-q2:5",
      "r3<-q3:5",
      "r4<-r1:5",
      "r5<-r2:5",
      "r6<-r3:5",
    );
    const plan = planSplit(jobs, perFile(4), new Map());
    const { minutes, criticalPathMinutes } = estimate(plan, jobs);
    expect(criticalPathMinutes).toBe(305);
    expect(minutes).toBeLessThanOrEqual(criticalPathMinutes * 1.05);
  });

  it("never gives a job more needs in its file than the limit leaves beside the generate job", () => {
    const deps = Array.from({ length: 6 }, (_, i) => `d${i}`);
    const jobs = graph(...deps, `top<-${deps.join(",")}`);
    const plan = planSplit(jobs, limits(500, { maxNeedsPerJob: 4 }), new Map());
    const top = plan.find((p) => p.jobs.includes("top"))!;
    expect(top.jobs.filter((j) => deps.includes(j)).length).toBeLessThanOrEqual(3);
  });

  it("counts a template once per file that holds it", () => {
    const jobs = graph("a", "b", "c").map((j) => ({ ...j, templates: [".t"] }));
    const budget = FILE_OVERHEAD_BYTES + 1_000 + 3 * 100;
    const fit = planSplit(jobs, limits(500, { maxFileBytes: budget }), new Map([[".t", 1_000]]));
    expect(fit).toHaveLength(1);
    const tight = planSplit(
      jobs,
      limits(500, { maxFileBytes: budget - 1 }),
      new Map([[".t", 1_000]]),
    );
    expect(tight).toHaveLength(2);
  });

  it("refuses a job that fits no file, naming it and the setting", () => {
    const jobs = graph("a").map((j) => ({ ...j, templates: [".t"] }));
    expect(() =>
      planSplit(
        jobs,
        limits(500, { maxFileBytes: FILE_OVERHEAD_BYTES + 500 }),
        new Map([[".t", 1_000]]),
      ),
    ).toThrow(
      /job "a" alone renders to 100 bytes with its templates, over the file budget .*limits\.maxFileBytes/,
    );
  });

  it("keeps to the files it may start, or says what to raise", () => {
    const jobs = graph("a1", "b1", "c1", "a2<-a1", "b2<-b1", "c2<-c1");
    expect(files(planSplit(jobs, perFile(2), new Map(), 3)).sort()).toEqual([
      "a1 a2",
      "b1 b2",
      "c1 c2",
    ]);
    expect(() => planSplit(jobs, perFile(2), new Map(), 2)).toThrow(
      /^6 rebuild jobs need 3 child pipelines at the fewest, over the 2 this architecture may start \(half of its share of limits\.maxPipelinesPerHierarchy\): raise limits\.maxFileBytes or limits\.maxJobsPerFile/,
    );
  });
});

/**
 * A wide, shallow stack like the synthetic ones of the benchmark: `layers` layers of `width`
 * specs, each depending on up to three specs near its position in the layers below; one
 * spec in 30 takes 60-240 minutes, the rest 2-12.
 */
function stack(layers: number, width: number): SplitJob[] {
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const name = (l: number, p: number) => `s${l}-${p}`;
  const jobs: SplitJob[] = [];
  for (let l = 0; l < layers; l++)
    for (let p = 0; p < width; p++) {
      const dependencies =
        l === 0
          ? []
          : [
              ...new Set(
                Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
                  const from = l - 1 - Math.floor(random() * random() * Math.min(l, 3));
                  const at = Math.min(width - 1, Math.max(0, p + Math.round((random() - 0.5) * 6)));
                  return name(from, at);
                }),
              ),
            ];
      const slow = random() < 1 / 30;
      jobs.push({
        name: name(l, p),
        level: l,
        dependencies,
        bytes: 100,
        templates: [],
        minutes: Math.round(slow ? 60 + 180 * random() : 2 + 10 * random()),
      });
    }
  const level = new Map<string, number>();
  return jobs.map((job) => {
    const l = Math.max(-1, ...job.dependencies.map((d) => level.get(d)!)) + 1;
    level.set(job.name, l);
    return { ...job, level: l };
  });
}

describe("planSplit on a stack much larger than a file", () => {
  it("starts long builds in files of their own, near the critical path", () => {
    const jobs = stack(16, 250);
    const plan = planSplit(jobs, perFile(100), new Map(), 500);
    const { minutes, criticalPathMinutes } = estimate(plan, jobs);
    expect(new Set(plan.flatMap((p) => p.jobs)).size).toBe(jobs.length);
    expect(minutes / criticalPathMinutes).toBeLessThan(1.25);
  });
});
