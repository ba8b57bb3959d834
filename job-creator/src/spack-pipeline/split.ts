import { InputError } from "../../../common/src/errors.js";
import type { CiLimits } from "../../../common/src/ci/limits.js";

/** A job as the splitter sees it: its level, what it depends on, and its size when rendered. */
export interface SplitJob {
  readonly name: string;
  readonly level: number;
  /** Names of the rebuild jobs it depends on. */
  readonly dependencies: readonly string[];
  /** Rendered size with every dependency as a need: an upper bound of its size in any file. */
  readonly bytes: number;
}

/** One child pipeline file: a run of whole levels, or a part of one level too large for a file. */
export interface ChildPart {
  readonly jobs: readonly string[];
  readonly levels: readonly number[];
}

/** Steps run one after the other; the parts of one step run in parallel. */
export type SplitPlan = readonly (readonly ChildPart[])[];

/** Room kept in each file for the header, `stages:` and the like. */
export const FILE_OVERHEAD_BYTES = 4_096;

/**
 * Packs jobs into child pipelines within the limits. Whole levels share a file while they
 * fit (their `needs` inside the file stay, so jobs start as soon as their own dependencies
 * are done); a level that fits no file is cut into parts that run in parallel. Every
 * dependency is either in the same file or in an earlier step, which the bridge chain
 * finishes first. A level is never added to a file where one of its jobs would need more
 * than `maxNeedsPerJob - 1` jobs of that file (one need is kept for the generate job).
 */
export function planSplit(jobs: readonly SplitJob[], limits: CiLimits): SplitPlan {
  const budget = limits.maxFileBytes - FILE_OVERHEAD_BYTES;
  for (const job of jobs) {
    if (job.bytes > budget)
      throw new InputError(
        `job "${job.name}" alone renders to ${job.bytes} bytes, over the file budget of ${limits.maxFileBytes}: raise limits.maxFileBytes`,
      );
    if (job.name.length > limits.maxJobNameLength)
      throw new InputError(
        `job name "${job.name.slice(0, 60)}…" is ${job.name.length} characters, over limits.maxJobNameLength`,
      );
  }
  const steps: ChildPart[][] = [];
  let current: { jobs: string[]; levels: number[]; bytes: number; names: Set<string> } | undefined;
  const close = () => {
    if (current) steps.push([{ jobs: current.jobs, levels: current.levels }]);
    current = undefined;
  };
  for (const [level, group] of groupByLevel(jobs)) {
    const bytes = group.reduce((sum, j) => sum + j.bytes, 0);
    const fitsIn = (file: typeof current) =>
      (file?.jobs.length ?? 0) + group.length <= limits.maxJobsPerFile &&
      (file?.bytes ?? 0) + bytes <= budget &&
      group.every(
        (j) => j.dependencies.filter((d) => file?.names.has(d)).length <= limits.maxNeedsPerJob - 1,
      );
    if (current && fitsIn(current)) {
      current.jobs.push(...group.map((j) => j.name));
      current.levels.push(level);
      current.bytes += bytes;
      for (const j of group) current.names.add(j.name);
      continue;
    }
    close();
    if (fitsIn(undefined)) {
      current = {
        jobs: group.map((j) => j.name),
        levels: [level],
        bytes,
        names: new Set(group.map((j) => j.name)),
      };
    } else {
      steps.push(cutLevel(group, level, budget, limits.maxJobsPerFile));
    }
  }
  close();
  return steps;
}

function groupByLevel(jobs: readonly SplitJob[]): [number, SplitJob[]][] {
  const groups = new Map<number, SplitJob[]>();
  for (const job of jobs) {
    const group = groups.get(job.level);
    if (group) group.push(job);
    else groups.set(job.level, [job]);
  }
  return [...groups].sort(([a], [b]) => a - b);
}

/** Cuts one level into parts of at most `maxJobs` jobs and `budget` bytes, in name order. */
function cutLevel(
  group: readonly SplitJob[],
  level: number,
  budget: number,
  maxJobs: number,
): ChildPart[] {
  const parts: ChildPart[] = [];
  let jobs: string[] = [];
  let bytes = 0;
  for (const job of group) {
    if (jobs.length > 0 && (jobs.length + 1 > maxJobs || bytes + job.bytes > budget)) {
      parts.push({ jobs, levels: [level] });
      jobs = [];
      bytes = 0;
    }
    jobs.push(job.name);
    bytes += job.bytes;
  }
  if (jobs.length > 0) parts.push({ jobs, levels: [level] });
  return parts;
}
