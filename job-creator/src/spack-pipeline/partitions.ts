import { groupBy } from "../../../common/src/group-by.js";
import { FileFill, type FileBudget } from "./file-fill.js";
import { criticalPath } from "./schedule.js";
import type { SplitJob } from "./split.js";

/** The jobs to partition (in dependency order), their dependencies by index, and the budget. */
export interface Partition {
  readonly jobs: readonly SplitJob[];
  readonly deps: readonly (readonly number[])[];
  readonly budget: FileBudget;
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

/**
 * Waves: whenever files end, the jobs whose dependencies are all done start new files, and
 * each new file also takes the jobs that depend only on it and would end within `horizon`
 * (a share of the critical path) of its start, so chains stay together. Jobs held back wait
 * for the end of the files they depend on, not of a whole level. `rootShare` of a file is
 * left to jobs that start it, the rest to their dependants.
 */
export function partitionByWaves(
  { jobs, deps, budget }: Partition,
  horizon: number,
  rootShare = 0.3,
): FileFill[] {
  const window = horizon * criticalPath(jobs, deps);
  // How many jobs a file takes: by count, or by bytes for jobs of the average size.
  const averageBytes = jobs.reduce((sum, j) => sum + j.bytes, 0) / Math.max(1, jobs.length);
  const capacity = Math.min(
    budget.limits.maxJobsPerFile,
    Math.floor((budget.limits.maxFileBytes - budget.overhead) / Math.max(1, averageBytes)),
  );
  const rootsPerFile = Math.max(1, Math.floor(capacity * rootShare));
  const files: { fill: FileFill; end: number; roots: number }[] = [];
  const fileOf = new Int32Array(jobs.length).fill(-1);
  const expectedEnd = new Float64Array(jobs.length);
  let waiting = jobs.map((_, i) => i);
  const events = new Set([0]);
  while (waiting.length > 0) {
    if (events.size === 0) throw new Error("waves: jobs left with no file to wait for");
    const now = Math.min(...events);
    events.delete(now);
    const fresh = new Set<number>();
    let rootFile = -1;
    const later: number[] = [];
    for (const i of waiting) {
      let start = now;
      let ready = true;
      const inWave = new Set<number>();
      for (const d of deps[i]!) {
        const f = fileOf[d]!;
        if (fresh.has(f)) {
          inWave.add(f);
          start = Math.max(start, expectedEnd[d]!);
        } else if (f < 0 || files[f]!.end > now) ready = false;
      }
      let target = -1;
      if (ready && inWave.size === 1) {
        const f = [...inWave][0]!;
        const inFile = deps[i]!.filter((d) => fileOf[d] === f).length;
        if (start + jobs[i]!.minutes <= now + window && files[f]!.fill.tryAdd(jobs[i]!, i, inFile))
          target = f;
      } else if (ready && inWave.size === 0) {
        const root = files[rootFile];
        if (!root || root.roots >= rootsPerFile || !root.fill.tryAdd(jobs[i]!, i, 0)) {
          files.push({ fill: new FileFill(budget), end: now, roots: 0 });
          rootFile = files.length - 1;
          fresh.add(rootFile);
          files[rootFile]!.fill.tryAdd(jobs[i]!, i, 0);
        }
        files[rootFile]!.roots++;
        target = rootFile;
      }
      if (target < 0) {
        later.push(i);
        continue;
      }
      fileOf[i] = target;
      expectedEnd[i] = start + jobs[i]!.minutes;
      files[target]!.end = Math.max(files[target]!.end, expectedEnd[i]);
    }
    for (const f of fresh) events.add(files[f]!.end);
    waiting = later;
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
