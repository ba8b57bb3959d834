/**
 * How long the processed pipelines take, by a discrete-event simulation of GitLab's
 * scheduling: a job starts when the jobs it needs in its file are done and a runner is
 * free; a child pipeline starts when its bridge's needs are done, and its bridge is done
 * when every job of it is. Pure: durations come in, minutes come out.
 */
import { Heap } from "./heap.js";

/** One job of a child file: its duration and the jobs of the same file it needs. */
export interface ScheduledJob {
  readonly minutes: number;
  /** Indices (into the file's jobs) of the jobs it needs inside its file. */
  readonly needs: readonly number[];
}

/** One child file: its jobs, and the files whose bridges its bridge needs. */
export interface ScheduledFile {
  readonly jobs: readonly ScheduledJob[];
  readonly after: readonly number[];
}

export interface ScheduleResult {
  readonly makespan: number;
  /** When each file's pipeline started and ended. */
  readonly files: readonly { readonly start: number; readonly end: number }[];
}

/**
 * Simulates the files with `runners` runners (Infinity: every job starts once it may). A
 * free runner takes the pending job created first, as GitLab's queue does for project and
 * group runners (by job id). Files must be listed after the files they wait for.
 */
export function simulate(files: readonly ScheduledFile[], runners: number): ScheduleResult {
  const waitingFiles = files.map((f) => f.after.length);
  const dependantsOf = files.map(() => [] as number[]);
  files.forEach((f, i) => {
    f.after.forEach((a) => dependantsOf[a]!.push(i));
  });
  const times = files.map(() => ({ start: 0, end: 0 }));
  const left = files.map((f) => f.jobs.length);
  const waitingJobs = files.map((f) => f.jobs.map((j) => j.needs.length));
  const neededBy = files.map((f) => {
    const by = f.jobs.map(() => [] as number[]);
    f.jobs.forEach((j, i) => {
      j.needs.forEach((n) => by[n]!.push(i));
    });
    return by;
  });
  // GitLab hands a free runner the pending job created first (lowest id); a file's jobs are
  // created when its pipeline is, in the order the file lists them.
  const created = new Int32Array(files.length);
  let pipelines = 0;
  const ready = new Heap<[number, number, number, number]>(); // created, position, file, job
  const running = new Heap<[number, number, number, number]>(); // ends at, seq, file, job
  let seq = 0;
  let busy = 0;
  let now = 0;
  let makespan = 0;
  const startFile = (f: number, at: number) => {
    times[f]!.start = at;
    created[f] = pipelines++;
    if (left[f] === 0) endFile(f, at);
    files[f]!.jobs.forEach((_, j) => {
      if (waitingJobs[f]![j] === 0) ready.push([created[f]!, j, f, j]);
    });
  };
  const endFile = (f: number, at: number) => {
    times[f]!.end = at;
    makespan = Math.max(makespan, at);
    for (const d of dependantsOf[f]!) if (--waitingFiles[d]! === 0) startFile(d, at);
  };
  // Files that wait for nothing; the rest start when their last file ends (an empty file
  // ends as it starts, so its dependants may already have started here).
  files.forEach((file, f) => {
    if (file.after.length === 0) startFile(f, 0);
  });
  for (;;) {
    while (busy < runners && ready.size > 0) {
      const [, , f, j] = ready.pop()!;
      running.push([now + files[f]!.jobs[j]!.minutes, seq++, f, j]);
      busy++;
    }
    const done = running.pop();
    if (!done) break;
    const [end, , f, j] = done;
    now = end;
    busy--;
    for (const d of neededBy[f]![j]!)
      if (--waitingJobs[f]![d]! === 0) ready.push([created[f]!, d, f, d]);
    if (--left[f]! === 0) endFile(f, end);
  }
  const stuck = left.findIndex((l) => l > 0);
  if (stuck >= 0) throw new Error(`file ${stuck} never finished: its needs form a cycle`);
  return { makespan, files: times };
}

/**
 * Each job's end when every job starts as soon as its dependencies are done (unlimited
 * runners, no files). Jobs come in dependency order: every dependency first.
 */
export function earliestEnds(
  jobs: readonly { readonly minutes: number }[],
  deps: readonly (readonly number[])[],
): Float64Array {
  const ends = new Float64Array(jobs.length);
  jobs.forEach((job, i) => {
    let start = 0;
    for (const d of deps[i]!) start = Math.max(start, ends[d]!);
    ends[i] = start + job.minutes;
  });
  return ends;
}

/** The longest path through the jobs' own dependencies: no schedule can be shorter. */
export function criticalPath(
  jobs: readonly { readonly minutes: number }[],
  deps: readonly (readonly number[])[],
): number {
  return earliestEnds(jobs, deps).reduce((longest, end) => Math.max(longest, end), 0);
}
