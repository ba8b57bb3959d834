import { criticalPath, simulate, type ScheduledFile } from "./schedule.js";
import type { SplitJob, SplitPlan } from "./split.js";

/** How long the child pipelines should take, against what the specs' own graph allows. */
export interface MakespanEstimate {
  /** Simulated minutes until the last build ends, with unlimited runners. */
  readonly minutes: number;
  /** The longest chain of dependent builds: no split can finish sooner. */
  readonly criticalPathMinutes: number;
  /** Indices of the files on the longest chain of bridges, first to last. */
  readonly longestChain: readonly number[];
}

export const NO_ESTIMATE: MakespanEstimate = {
  minutes: 0,
  criticalPathMinutes: 0,
  longestChain: [],
};

/** Simulates the plan with unlimited runners and finds its longest chain of files. */
export function estimate(plan: SplitPlan, jobs: readonly SplitJob[]): MakespanEstimate {
  const index = new Map(jobs.map((j, i) => [j.name, i]));
  const deps = jobs.map((job) => job.dependencies.map((d) => index.get(d)!));
  const members = plan.map((part) => part.jobs.map((name) => index.get(name)!));
  const after = plan.map((part) => part.after);
  const result = simulate(scheduledFiles(members, after, jobs, deps), Infinity);
  const longestChain: number[] = [];
  let last = result.files.findIndex((f) => f.end === result.makespan);
  while (last >= 0) {
    longestChain.unshift(last);
    const start = result.files[last]!.start;
    last = plan[last]!.after.find((a) => result.files[a]!.end === start) ?? -1;
  }
  return { minutes: result.makespan, criticalPathMinutes: criticalPath(jobs, deps), longestChain };
}

/**
 * Files as the schedule simulation reads them: each file's jobs (by index, in its order),
 * the files it waits for, and for each job the jobs of its own file it needs.
 */
export function scheduledFiles(
  members: readonly (readonly number[])[],
  after: readonly (readonly number[])[],
  jobs: readonly { readonly minutes: number }[],
  deps: readonly (readonly number[])[],
): ScheduledFile[] {
  const fileOf = new Int32Array(jobs.length);
  const position = new Int32Array(jobs.length);
  members.forEach((file, f) => {
    file.forEach((i, p) => {
      fileOf[i] = f;
      position[i] = p;
    });
  });
  return members.map((file, f) => ({
    after: after[f]!,
    jobs: file.map((i) => ({
      minutes: jobs[i]!.minutes,
      needs: deps[i]!.filter((d) => fileOf[d] === f).map((d) => position[d]!),
    })),
  }));
}

/**
 * `simulate(scheduledFiles(members, after, jobs, deps), Infinity).makespan` in one pass and
 * without building the simulation's files, for the splitter's many candidates: a file starts
 * when the files it waits for end, a job when its file has and its needs in the file are
 * done. Files come after the files they wait for; a file's jobs after those they depend on.
 */
export function unlimitedMakespan(
  members: readonly (readonly number[])[],
  after: readonly (readonly number[])[],
  jobs: readonly { readonly minutes: number }[],
  deps: readonly (readonly number[])[],
): number {
  const fileOf = new Int32Array(jobs.length);
  members.forEach((file, f) => {
    for (const i of file) fileOf[i] = f;
  });
  const fileEnds = new Float64Array(members.length);
  const ends = new Float64Array(jobs.length);
  let makespan = 0;
  members.forEach((file, f) => {
    let start = 0;
    for (const a of after[f]!) start = Math.max(start, fileEnds[a]!);
    let end = start;
    for (const i of file) {
      let begin = start;
      for (const d of deps[i]!) if (fileOf[d] === f) begin = Math.max(begin, ends[d]!);
      ends[i] = begin + jobs[i]!.minutes;
      end = Math.max(end, ends[i]);
    }
    fileEnds[f] = end;
    makespan = Math.max(makespan, end);
  });
  return makespan;
}

/** For each job, its minutes plus the longest chain of jobs that depend on it. */
export function remainingMinutes(
  jobs: readonly { readonly minutes: number }[],
  deps: readonly (readonly number[])[],
): Float64Array {
  const remaining = new Float64Array(jobs.length);
  // Dependants come after their dependencies: walk backwards.
  for (let i = jobs.length - 1; i >= 0; i--) {
    remaining[i]! += jobs[i]!.minutes;
    for (const d of deps[i]!) remaining[d] = Math.max(remaining[d]!, remaining[i]!);
  }
  return remaining;
}
