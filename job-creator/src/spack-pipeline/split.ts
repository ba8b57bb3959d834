import type { CiLimits } from "../../../common/src/ci/limits.js";
import { InputError } from "../../../common/src/errors.js";
import { FileFill, type FileBudget } from "./file-fill.js";
import { partitionByLevels, partitionByWaves, type Partition } from "./partitions.js";
import { remainingMinutes, scheduledFiles } from "./makespan.js";
import { criticalPath, simulate } from "./schedule.js";

/** A job as the splitter sees it: what it depends on, its size when rendered, its duration. */
export interface SplitJob {
  readonly name: string;
  readonly level: number;
  /** Names of the rebuild jobs it depends on. */
  readonly dependencies: readonly string[];
  /** Rendered size with every dependency as a need: an upper bound of its size in any file. */
  readonly bytes: number;
  /** The hidden templates it extends, which its file must hold. */
  readonly templates: readonly string[];
  /** Its expected build time, from the duration model. */
  readonly minutes: number;
}

/** One child pipeline file: its jobs, and the files whose pipelines must be done before it starts. */
export interface ChildPart {
  /** In the order the file lists them: the longest remaining chain first. */
  readonly jobs: readonly string[];
  /** Indices of earlier parts holding dependencies of its jobs. */
  readonly after: readonly number[];
}

/** The child files, each after the parts it waits for. */
export type SplitPlan = readonly ChildPart[];

/** Room kept in each file for the header, `stages:` and the like. */
export const FILE_OVERHEAD_BYTES = 4_096;

/**
 * The waves tried: how far ahead of a wave's start its files take jobs in (a share of the
 * critical path) and the share of a file left to the jobs that start it. Measured on
 * synthetic stacks of 5,000 and 20,000 specs (bench/scheduling.ts): short horizons with
 * room for dependants suit builds of alike length, longer ones a few very slow builds.
 */
const WAVES: readonly [horizon: number, rootShare: number][] = [
  [0.1, 0.3],
  [0.1, 0.6],
  [0.25, 0.1],
  [0.5, 0.1],
  [1, 0.3],
];
/** Above this many jobs, levels that finish with the critical path are taken without a contest. */
const QUICK_CHOICE_JOBS = 5_000;
/** Jobs of the trigger pipeline besides the build bridges: collect artifacts, the index bridge. */
const TRIGGER_RESERVE = 2;

/**
 * Packs jobs into child pipelines within the limits, for time. Everything in one file when
 * it fits. Otherwise candidate partitions are built (whole levels per file, levels cut into
 * parts next to the parts they depend on; and waves, files that keep chains together from
 * the moment their dependencies are done) and the one the schedule simulation finishes
 * first, with the jobs' expected durations and unlimited runners, is kept (ties: fewer
 * files). Each file waits only for the files that hold dependencies of its jobs; no job
 * needs more than `maxNeedsPerJob - 1` jobs of its file (one need is kept for the generate
 * job).
 */
export function planSplit(
  jobs: readonly SplitJob[],
  limits: CiLimits,
  templateBytes: ReadonlyMap<string, number>,
): SplitPlan {
  const budget: FileBudget = { limits, templateBytes, overhead: FILE_OVERHEAD_BYTES };
  checkEachFits(jobs, budget);
  const index = new Map(jobs.map((j, i) => [j.name, i]));
  const deps = jobs.map((j) => j.dependencies.map((d) => index.get(d)!));
  const graph = { jobs, deps, budget };
  const remaining = remainingMinutes(jobs, deps);
  const whole = new FileFill(budget);
  if (jobs.every((job, i) => whole.tryAdd(job, i, deps[i]!.length)))
    return toPlan(graph, [whole], remaining);
  const makespan = (plan: SplitPlan) =>
    simulate(scheduledFiles(plan, jobs, index), Infinity).makespan;
  const byLevels = toPlan(graph, partitionByLevels(graph), remaining);
  // Builds of alike length: the levels already finish with the critical path; on large
  // pipelines that saves trying the waves, which could only save files, not time.
  const floor = criticalPath(jobs, deps);
  if (jobs.length > QUICK_CHOICE_JOBS && makespan(byLevels) <= floor) return byLevels;
  // A plan with more files than the trigger pipeline can hold bridges for is no candidate.
  const candidates = [
    byLevels,
    ...WAVES.map(([horizon, share]) =>
      toPlan(graph, partitionByWaves(graph, horizon, share), remaining),
    ),
  ].filter((plan) => plan.length <= limits.maxJobsPerFile - TRIGGER_RESERVE);
  const scored = candidates.map((plan) => ({ plan, minutes: makespan(plan) }));
  scored.sort((a, b) => a.minutes - b.minutes || a.plan.length - b.plan.length);
  return scored[0]?.plan ?? byLevels;
}

function checkEachFits(jobs: readonly SplitJob[], budget: FileBudget): void {
  for (const job of jobs) {
    const alone = new FileFill(budget);
    if (!alone.tryAdd(job, 0, 0))
      throw new InputError(
        `job "${job.name.slice(0, 60)}" alone renders to ${job.bytes} bytes with its templates, over the file budget of ${budget.limits.maxFileBytes}: raise limits.maxFileBytes`,
      );
    if (job.name.length > budget.limits.maxJobNameLength)
      throw new InputError(
        `job name "${job.name.slice(0, 60)}…" is ${job.name.length} characters, over limits.maxJobNameLength`,
      );
  }
}

/**
 * The files in the plan's form. Within a file, jobs come longest remaining chain first:
 * GitLab creates a file's jobs in the order it lists them and gives a free runner the job
 * created first, so long chains start first when runners are short.
 */
function toPlan(graph: Partition, files: readonly FileFill[], remaining: Float64Array): SplitPlan {
  const fileOf = new Int32Array(graph.jobs.length);
  files.forEach((file, f) => {
    file.members.forEach((i) => (fileOf[i] = f));
  });
  return files.map((file, f) => {
    const after = new Set<number>();
    for (const i of file.members)
      for (const d of graph.deps[i]!) if (fileOf[d] !== f) after.add(fileOf[d]!);
    const members = [...file.members].sort((a, b) => remaining[b]! - remaining[a]! || a - b);
    return {
      jobs: members.map((i) => graph.jobs[i]!.name),
      after: [...after].sort((a, b) => a - b),
    };
  });
}
