import { groupBy } from "../../../common/src/group-by.js";
import { FileFill, type FileBudget } from "./file-fill.js";
import { Heap } from "./heap.js";
import { remainingMinutes } from "./makespan.js";
import { criticalPath } from "./schedule.js";
import type { SplitJob } from "./split.js";

/** The jobs to partition (in dependency order), their dependencies by index, and the budget. */
export interface Partition {
  readonly jobs: readonly SplitJob[];
  readonly deps: readonly (readonly number[])[];
  readonly budget: FileBudget;
}

/** What the waves read of the graph besides the partition: worked out once for every shape. */
export interface WaveGraph extends Partition {
  /** For each job, the jobs that depend on it. */
  readonly dependants: readonly (readonly number[])[];
  /** For each job, its minutes plus the longest chain of jobs after it. */
  readonly remaining: Float64Array;
  /** The critical path's minutes. */
  readonly path: number;
}

export function waveGraph(partition: Partition): WaveGraph {
  const { jobs, deps } = partition;
  const dependants = jobs.map(() => [] as number[]);
  deps.forEach((ds, i) => {
    for (const d of ds) dependants[d]!.push(i);
  });
  const remaining = remainingMinutes(jobs, deps);
  return { ...partition, dependants, remaining, path: criticalPath(jobs, deps) };
}

/**
 * Whole levels share a file while they fit; a level too large for a file of its own is cut
 * into parts, its jobs ordered by the files their dependencies are in, so that each part
 * waits for few parts of the levels below. Files end where levels do: good when jobs take
 * alike, slow when a few long builds hold up every file after them.
 */
export function partitionByLevels({ jobs, deps, budget }: Partition): FileFill[] {
  const files: FileFill[] = [];
  const fileOf = new Int32Array(jobs.length).fill(-1);
  const entries = (members: readonly number[], f: number) =>
    members.map((i) => ({
      index: i,
      job: jobs[i]!,
      needsInFile: deps[i]!.filter((d) => fileOf[d] === f).length,
    }));
  const addAll = (file: FileFill, all: ReturnType<typeof entries>) => {
    for (const { index, job, needsInFile } of all) {
      file.tryAdd(job, index, needsInFile);
      fileOf[index] = files.length - 1;
    }
  };
  let current: FileFill | undefined;
  for (const members of byLevel(jobs)) {
    const ordered = nearDependencies(members, deps, fileOf);
    if (current) {
      const intoCurrent = entries(ordered, files.length - 1);
      if (current.fitsAll(intoCurrent)) {
        addAll(current, intoCurrent);
        continue;
      }
    }
    current = new FileFill(budget);
    files.push(current);
    const intoNew = entries(ordered, files.length - 1);
    if (current.fitsAll(intoNew)) {
      addAll(current, intoNew);
      continue;
    }
    for (const i of ordered) {
      const inFile = () => deps[i]!.filter((d) => fileOf[d] === files.length - 1).length;
      if (!current.tryAdd(jobs[i]!, i, inFile())) {
        current = new FileFill(budget);
        files.push(current);
        current.tryAdd(jobs[i]!, i, inFile());
      }
      fileOf[i] = files.length - 1;
    }
    current = undefined;
  }
  return files;
}

/** How a wave builds its files (see `partitionByWaves`). */
export interface WaveShape {
  /** How far past a wave's start its files take dependants in: a share of the critical path. */
  readonly horizon: number;
  /** The share of a file left to the jobs that start it; the rest is for their dependants. */
  readonly rootShare: number;
  /**
   * Jobs longer than this many horizons start files of their own, beside the short ones,
   * and their dependants may join those files until the long builds end.
   */
  readonly longAfter: number;
  /** Waves start only at multiples of this share of the critical path (0: whenever a file ends). */
  readonly quantum?: number;
  /**
   * Off the file's critical chain: a dependant whose longest chain through the file ends more
   * than `slack` (a share of the critical path) before the file's longest one joins only
   * within `horizon` of the wave's horizon, so that the file ends with its critical chain.
   */
  readonly offPath?: { readonly slack: number; readonly horizon: number };
}

/**
 * Waves: whenever files end, the jobs whose dependencies are all done start new files, and
 * each new file also takes the jobs that depend only on it and would end within `horizon`
 * of its start, so chains stay together. Jobs held back wait for the end of the files they
 * depend on, not of a whole level. A long build shares its file only with other long
 * builds and what follows them: a short build beside it would hold its own dependants back
 * until the long one ends. With `quantum`, waves start only at steps of the critical path;
 * with `offPath`, a file stops taking what its critical chain does not need.
 */
export function partitionByWaves(
  { jobs, deps, budget, dependants, remaining, path }: WaveGraph,
  { horizon, rootShare, longAfter, quantum = 0, offPath }: WaveShape,
): FileFill[] {
  const window = horizon * path;
  const step = quantum * path;
  const waveAt = (end: number) => (step > 0 ? Math.ceil(end / step) * step : end);
  // How many jobs a file takes: by count, or by bytes for jobs of the average size.
  const averageBytes = jobs.reduce((sum, j) => sum + j.bytes, 0) / Math.max(1, jobs.length);
  const capacity = Math.min(
    budget.limits.maxJobsPerFile,
    Math.floor((budget.limits.maxFileBytes - budget.overhead) / Math.max(1, averageBytes)),
  );
  const rootsPerFile = Math.max(1, Math.floor(capacity * rootShare));
  /**
   * A file: its jobs, when they are expected to end, how many start it, until when
   * dependants join, and when the longest chain through it ends (`crit`).
   */
  const files: { fill: FileFill; end: number; roots: number; until: number; crit: number }[] = [];
  const slack = (offPath?.slack ?? Infinity) * path;
  const offPathWindow = (offPath?.horizon ?? 1) * window;
  const fileOf = new Int32Array(jobs.length).fill(-1);
  const expectedEnd = new Float64Array(jobs.length);
  const isLong = (i: number) => jobs[i]!.minutes > longAfter * window;
  // Jobs whose dependencies all have a file, taken in dependency order in each wave.
  // (A loop: `Int32Array.from` with a map function takes V8's slow path, ~2 ms a call here.)
  const unplaced = new Int32Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) unplaced[i] = deps[i]!.length;
  // Jobs held back, by when the last file they depend on ends: only then may they start a file.
  const wake = new Map([[0, jobs.flatMap((_, i) => (deps[i]!.length === 0 ? [i] : []))]]);
  let left = jobs.length;
  const events = new Set([0]);
  while (left > 0) {
    if (events.size === 0) throw new Error("waves: jobs left with no file to wait for");
    const now = Math.min(...events);
    events.delete(now);
    const pool = wake.get(now) ?? [];
    wake.delete(now);
    const fresh = new Set<number>();
    const later: number[] = [];
    const order = new Heap<[number]>();
    for (const i of pool) order.push([i]);
    const done = (d: number) => !fresh.has(fileOf[d]!) && files[fileOf[d]!]!.end <= now;
    const place = (i: number, f: number, start: number) => {
      fileOf[i] = f;
      expectedEnd[i] = start + jobs[i]!.minutes;
      files[f]!.end = Math.max(files[f]!.end, expectedEnd[i]);
      files[f]!.crit = Math.max(files[f]!.crit, start + remaining[i]!);
      left--;
      for (const k of dependants[i]!) if (--unplaced[k]! === 0) order.push([k]);
    };
    // Starts `i` in the open root file of its kind, or in a new one.
    const open = { long: -1, short: -1 };
    const startRoot = (i: number, kind: keyof typeof open) => {
      const file = files[open[kind]];
      if (!file || file.roots >= rootsPerFile || !file.fill.tryAdd(jobs[i]!, i, 0)) {
        files.push({
          fill: new FileFill(budget),
          end: now,
          roots: 0,
          until: now + window,
          crit: 0,
        });
        open[kind] = files.length - 1;
        fresh.add(open[kind]);
        files[open[kind]]!.fill.tryAdd(jobs[i]!, i, 0);
      }
      files[open[kind]]!.roots++;
      place(i, open[kind], now);
    };
    // Long roots first, longest first: files of builds that end at about the same time.
    const longRoots = pool.filter((i) => isLong(i) && deps[i]!.every(done));
    longRoots.sort((x, y) => jobs[y]!.minutes - jobs[x]!.minutes || x - y);
    for (const i of longRoots) startRoot(i, "long");
    for (const f of fresh) files[f]!.until = Math.max(files[f]!.until, files[f]!.end);
    for (let next = order.pop(); next; next = order.pop()) {
      const i = next[0];
      if (fileOf[i]! >= 0) continue;
      let start = now;
      let ready = true;
      // The one file of this wave its dependencies are in (-1: none, -2: several).
      let f = -1;
      let inFile = 0;
      for (const d of deps[i]!) {
        if (fresh.has(fileOf[d]!)) {
          f = f === -1 || f === fileOf[d] ? fileOf[d]! : -2;
          inFile++;
          start = Math.max(start, expectedEnd[d]!);
        } else if (!done(d)) ready = false;
      }
      if (ready && f === -1) {
        startRoot(i, "short");
        continue;
      }
      if (
        ready &&
        f >= 0 &&
        start + jobs[i]!.minutes <=
          (start + remaining[i]! >= files[f]!.crit - slack
            ? files[f]!.until
            : Math.min(files[f]!.until, now + offPathWindow)) &&
        files[f]!.fill.tryAdd(jobs[i]!, i, inFile)
      )
        place(i, f, start);
      else later.push(i);
    }
    for (const f of fresh) events.add(waveAt(files[f]!.end));
    // The files' ends are known now that the wave's files are full.
    for (const i of later) {
      const at = waveAt(Math.max(...deps[i]!.map((d) => files[fileOf[d]!]!.end)));
      if (wake.has(at)) wake.get(at)!.push(i);
      else wake.set(at, [i]);
    }
  }
  return files.map((f) => f.fill);
}

function byLevel(jobs: readonly SplitJob[]): number[][] {
  const groups = groupBy(
    jobs.map((_, i) => i),
    (i) => jobs[i]!.level,
  );
  return [...groups].sort(([a], [b]) => a - b).map(([, members]) => members);
}

/** Orders a level's jobs by the mean file of their dependencies, so that cut parts stay local. */
function nearDependencies(
  members: readonly number[],
  deps: readonly (readonly number[])[],
  fileOf: Int32Array,
): number[] {
  const key = (i: number) => {
    const ds = deps[i]!;
    return ds.length === 0 ? -1 : ds.reduce((sum, d) => sum + fileOf[d]!, 0) / ds.length;
  };
  const keys = new Map(members.map((i) => [i, key(i)]));
  return [...members].sort((a, b) => keys.get(a)! - keys.get(b)! || a - b);
}
