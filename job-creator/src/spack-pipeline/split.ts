import type { CiLimits } from "../../../common/src/ci/limits.js";
import { InputError } from "../../../common/src/errors.js";
import { SPACK_PIPELINE_FILE } from "../../../common/src/job-names.js";
import { FileFill, type FileBudget } from "./file-fill.js";
import { joinJobCount } from "../pipeline/trigger.js";
import {
  partitionByLevels,
  partitionByWaves,
  waveGraph,
  type Partition,
  type WaveGraph,
  type WaveShape,
} from "./partitions.js";
import { unlimitedMakespan } from "./makespan.js";

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

/** Files that end with their critical chain: see `WaveShape.offPath`. */
const OFF_PATH = { slack: 0.03, horizon: 0.6 };
const WIDER_OFF_PATH = { slack: 0.05, horizon: 0.6 };
/**
 * The waves tried. Measured on synthetic stacks of 1,000 to 20,000 specs
 * (bench/scheduling.ts): long horizons suit small stacks; on large ones, short horizons with
 * the long builds in files of their own finish closest to the critical path, waves started
 * only every 0.5-2% of it keep the files few, and files that end with their critical chain
 * cost the chains that cross files least.
 */
const WAVES: readonly WaveShape[] = [
  { horizon: 0.1, rootShare: 0.3, longAfter: Infinity },
  { horizon: 0.1, rootShare: 0.6, longAfter: Infinity },
  { horizon: 0.25, rootShare: 0.1, longAfter: Infinity },
  { horizon: 0.5, rootShare: 0.1, longAfter: Infinity },
  { horizon: 1, rootShare: 0.3, longAfter: Infinity },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1 },
  { horizon: 0.05, rootShare: 0.3, longAfter: 2 },
  { horizon: 0.05, rootShare: 0.1, longAfter: 1, quantum: 0.005 },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1, quantum: 0.005 },
  { horizon: 0.05, rootShare: 0.1, longAfter: 1, quantum: 0.01 },
  { horizon: 0.03, rootShare: 0.3, longAfter: 2, quantum: 0.01 },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1, quantum: 0.02 },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1, quantum: 0.005, offPath: OFF_PATH },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1, quantum: 0.01, offPath: WIDER_OFF_PATH },
  { horizon: 0.05, rootShare: 0.3, longAfter: 1, quantum: 0.02, offPath: OFF_PATH },
];
/**
 * Plans whose simulated makespan is within this share of the best are alike: the one with
 * the fewest files is kept (fewer child pipelines to create, wait for and look through).
 */
const ALIKE = 0.02;
/** Above this many jobs, levels that finish with the critical path are taken without a contest. */
const QUICK_CHOICE_JOBS = 5_000;
/** Jobs of the trigger pipeline besides the build bridges: collect artifacts, the index bridge. */
const TRIGGER_RESERVE = 2;

/**
 * Packs jobs into child pipelines within the limits, for time. Everything in one file when
 * it fits. Otherwise candidate partitions are built (whole levels per file, levels cut into
 * parts next to the parts they depend on; and waves, files that keep chains together from
 * the moment their dependencies are done) and the one the schedule simulation finishes
 * first, with the jobs' expected durations and unlimited runners, is kept (of those within
 * `ALIKE` of it, the one with the fewest files). No plan has more than `maxFiles` files or
 * more bridges and join jobs than the trigger pipeline may hold. Each file waits only for
 * the files that hold dependencies of its jobs; no job needs more than `maxNeedsPerJob - 1`
 * jobs of its file (one need is kept for the generate job).
 */
export function planSplit(
  jobs: readonly SplitJob[],
  limits: CiLimits,
  templateBytes: ReadonlyMap<string, number>,
  maxFiles = Infinity,
): SplitPlan {
  const budget: FileBudget = { limits, templateBytes, overhead: FILE_OVERHEAD_BYTES };
  checkEachFits(jobs, budget);
  const index = new Map(jobs.map((j, i) => [j.name, i]));
  const deps = jobs.map((j) => j.dependencies.map((d) => index.get(d)!));
  const graph = waveGraph({ jobs, deps, budget });
  const whole = new FileFill(budget);
  if (jobs.every((job, i) => whole.tryAdd(job, i, deps[i]!.length)))
    return toPlan(graph, candidate(graph, [whole]));
  // A plan with more files than may start, or whose bridges and join jobs the trigger
  // pipeline cannot hold, is no candidate.
  const fits = (c: Candidate) =>
    c.files.length <= maxFiles && triggerJobs(c, limits.maxNeedsPerJob) <= limits.maxJobsPerFile;
  const byLevels = candidate(graph, partitionByLevels(graph));
  // Builds of alike length: the levels already finish with the critical path; on large
  // pipelines that saves trying the waves, which could only save files, not time.
  if (jobs.length > QUICK_CHOICE_JOBS && fits(byLevels) && minutesOf(graph, byLevels) <= graph.path)
    return toPlan(graph, byLevels);
  const all = [byLevels, ...WAVES.map((shape) => candidate(graph, partitionByWaves(graph, shape)))];
  const candidates = all.filter(fits);
  if (candidates.length === 0) throw tooManyFiles(jobs.length, all, maxFiles, limits);
  const scored = candidates.map((c) => ({ c, minutes: minutesOf(graph, c) }));
  const best = Math.min(...scored.map((s) => s.minutes));
  const alike = scored.filter((s) => s.minutes <= best * (1 + ALIKE));
  alike.sort((x, y) => x.c.files.length - y.c.files.length || x.minutes - y.minutes);
  return toPlan(graph, alike[0]!.c);
}

/** Why no candidate fits, with the limit to raise. */
function tooManyFiles(
  jobCount: number,
  all: readonly Candidate[],
  maxFiles: number,
  limits: CiLimits,
): InputError {
  const fewest = all.reduce((a, b) => (b.files.length < a.files.length ? b : a));
  const need = `${jobCount} rebuild jobs need ${fewest.files.length} child pipelines at the fewest`;
  const fewer = "raise limits.maxFileBytes or limits.maxJobsPerFile so that each file holds more";
  return new InputError(
    fewest.files.length > maxFiles
      ? `${need}, over the ${maxFiles} this architecture may start (half of its share of limits.maxPipelinesPerHierarchy): ${fewer}, or limits.maxPipelinesPerHierarchy where your GitLab allows more pipelines in one hierarchy`
      : `${need}, whose bridges and join jobs would be ${triggerJobs(fewest, limits.maxNeedsPerJob)} jobs in ${SPACK_PIPELINE_FILE}, over limits.maxJobsPerFile (${limits.maxJobsPerFile}): ${fewer}`,
  );
}

/** A candidate partition: its files, and the files each file waits for. */
interface Candidate {
  readonly files: readonly FileFill[];
  readonly after: readonly (readonly number[])[];
}

function candidate(graph: Partition, files: readonly FileFill[]): Candidate {
  const fileOf = new Int32Array(graph.jobs.length);
  files.forEach((file, f) => {
    for (const i of file.members) fileOf[i] = f;
  });
  // Which file last counted a file as one it waits for: a set per file without one.
  const countedBy = new Int32Array(files.length).fill(-1);
  const after = files.map((file, f) => {
    const waits: number[] = [];
    for (const i of file.members)
      for (const d of graph.deps[i]!) {
        const g = fileOf[d]!;
        if (g !== f && countedBy[g] !== f) {
          countedBy[g] = f;
          waits.push(g);
        }
      }
    return waits.sort((a, b) => a - b);
  });
  return { files, after };
}

/** The candidate's simulated makespan with unlimited runners. */
function minutesOf({ jobs, deps }: Partition, { files, after }: Candidate): number {
  // Both partitions add a file's jobs after those of its jobs they depend on, as
  // `unlimitedMakespan` needs.
  return unlimitedMakespan(
    files.map((file) => file.members),
    after,
    jobs,
    deps,
  );
}

/**
 * The jobs of the trigger pipeline running the files: a bridge per file, the join jobs of
 * bridges that wait for many, `collect artifacts`, and the index bridge, which waits for
 * every file no other file waits for.
 */
function triggerJobs({ files, after }: Candidate, maxNeedsPerJob: number): number {
  const waitedFor = new Set(after.flat());
  const joins = after.reduce((sum, waits) => sum + joinJobCount(waits.length, maxNeedsPerJob), 0);
  return (
    files.length +
    joins +
    TRIGGER_RESERVE +
    joinJobCount(files.length - waitedFor.size, maxNeedsPerJob)
  );
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
function toPlan(graph: WaveGraph, { files, after }: Candidate): SplitPlan {
  const { remaining } = graph;
  return files.map((file, f) => {
    const members = [...file.members].sort((a, b) => remaining[b]! - remaining[a]! || a - b);
    return { jobs: members.map((i) => graph.jobs[i]!.name), after: after[f]! };
  });
}
