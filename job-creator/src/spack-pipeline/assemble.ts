import type { CiLimits } from "../../../common/src/ci/limits.js";
import { InputError } from "../../../common/src/errors.js";
import {
  renderJobBlock,
  renderNeedsLines,
  renderPipeline,
  renderPipelineFromBlocks,
} from "../../../common/src/ci/render.js";
import type { CiEntry, CiJob, CiNeed, CiPipeline } from "../../../common/src/ci/types.js";
import {
  COPY_JOB,
  CLEANUP_JOB,
  NO_SPECS_TO_REBUILD_JOB,
  REBUILD_INDEX_JOB,
  SIGN_PKGS_JOB,
} from "../spack/names.js";
import { SPACK_PIPELINE_FILE } from "../../../common/src/job-names.js";
import type { MergedJob, MergedPipeline } from "./merge.js";
import { rewriteSpackJob, type RewriteSettings } from "./rewrite.js";
import { planSplit, type ChildPart } from "./split.js";
import { buildTriggerPipeline, type ChildFileRef, type TriggerSettings } from "./trigger.js";

/** The file the entry pipeline triggers; its bridges run the others in order. */
export const TRIGGER_FILE = SPACK_PIPELINE_FILE;
export const SERVICES_FILE = "build-cache-services.yaml";
/** Service jobs in the order they must run after every build: sign, index, copy, clean up. */
const SERVICE_ORDER = [SIGN_PKGS_JOB, REBUILD_INDEX_JOB, COPY_JOB, CLEANUP_JOB];

export interface AssembleSettings {
  readonly rewrite: RewriteSettings;
  readonly trigger: Omit<TriggerSettings, "maxNeedsPerJob">;
  readonly limits: CiLimits;
}

export interface ProcessSummary {
  readonly jobsIn: number;
  readonly jobsOut: number;
  readonly duplicatesRemoved: number;
  readonly childPipelines: number;
  readonly biggestFileBytes: number;
}

/** Turns the merged spack jobs of one arch into the trigger pipeline and its child files. */
export function assembleProcessedPipelines(
  merged: MergedPipeline,
  settings: AssembleSettings,
): { files: Map<string, string>; summary: ProcessSummary } {
  const files = new Map<string, string>();
  if (merged.jobs.length === 0) {
    files.set(TRIGGER_FILE, renderPipeline(noopPipeline(merged, settings.rewrite)));
    return { files, summary: summarize(merged, files, 0) };
  }
  const nameByHash = new Map(merged.jobs.map((j) => [j.hash, j.name]));
  const prepared = merged.jobs.map((job) => prepare(job, nameByHash, settings.rewrite));
  const byName = new Map(prepared.map((p) => [p.job.name, p]));
  const plan = planSplit(
    prepared.map((p) => p.split),
    { ...settings.limits },
  );
  const steps: ChildFileRef[][] = plan.map((step, s) =>
    step.map((part, p) => {
      const file = step.length === 1 ? `build-step-${s}.yaml` : `build-step-${s}-part-${p}.yaml`;
      files.set(file, renderChild(part, byName, settings.rewrite));
      const bridge =
        step.length === 1
          ? `build cache step ${s}`
          : `build cache step ${s} part ${p + 1} of ${step.length}`;
      return { file, bridge };
    }),
  );
  const services = servicesPipeline(merged, settings.rewrite);
  if (services) {
    files.set(SERVICES_FILE, renderPipeline(services));
    steps.push([{ file: SERVICES_FILE, bridge: "build cache index" }]);
  }
  const trigger = buildTriggerPipeline(steps, {
    ...settings.trigger,
    maxNeedsPerJob: settings.limits.maxNeedsPerJob,
  });
  // The trigger pipeline cannot be split further: GitLab nests child pipelines two levels deep.
  const triggerJobs = Object.keys(trigger.jobs).length;
  if (triggerJobs > settings.limits.maxJobsPerFile) {
    throw new InputError(
      `${TRIGGER_FILE} would have ${triggerJobs} jobs, over limits.maxJobsPerFile (${settings.limits.maxJobsPerFile}): raise limits.maxJobsPerFile or limits.maxFileBytes so fewer child files are needed`,
    );
  }
  files.set(TRIGGER_FILE, renderPipeline(trigger));
  return { files, summary: summarize(merged, files, files.size - 1) };
}

interface Prepared {
  readonly job: MergedJob;
  readonly rewritten: CiJob;
  /** The job rendered once, without its needs (which depend on the file it lands in). */
  readonly block: string;
  readonly dependencyNames: readonly string[];
  readonly split: { name: string; level: number; dependencies: readonly string[]; bytes: number };
}

function prepare(
  job: MergedJob,
  nameByHash: ReadonlyMap<string, string>,
  rewrite: RewriteSettings,
): Prepared {
  const rewritten = {
    ...rewriteSpackJob(job.job, job.fileVariables, rewrite),
    stage: `stage-${job.level}`,
  };
  const dependencyNames = job.dependencies.map((h) => nameByHash.get(h)!).filter(Boolean);
  const block = renderJobBlock(job.name, rewritten);
  // Sized with every dependency as a need: an upper bound of the job in any file.
  const widest = renderNeedsLines([
    ...dependencyNames.map(localNeed),
    rewrite.generateNeed(job.container),
  ]);
  const bytes = Buffer.byteLength(block) + Buffer.byteLength(widest);
  return {
    job,
    rewritten,
    block,
    dependencyNames,
    split: { name: job.name, level: job.level, dependencies: dependencyNames, bytes },
  };
}

const localNeed = (job: string): CiNeed => ({ job, artifacts: false });

/** Renders one child file from the jobs' blocks, adding the needs that stay inside it. */
function renderChild(
  part: ChildPart,
  byName: ReadonlyMap<string, Prepared>,
  rewrite: RewriteSettings,
): string {
  const inFile = new Set(part.jobs);
  const jobs: Record<string, CiEntry> = {};
  const blocks = new Map<string, string>();
  for (const name of part.jobs) {
    const { job, rewritten, block, dependencyNames } = byName.get(name)!;
    // Dependencies in other files are done before this file starts: the bridges run in steps.
    const needs = [
      ...dependencyNames.filter((d) => inFile.has(d)).map(localNeed),
      rewrite.generateNeed(job.container),
    ];
    jobs[name] = { ...rewritten, needs };
    blocks.set(name, block + renderNeedsLines(needs));
  }
  return renderPipelineFromBlocks({ stages: part.levels.map((l) => `stage-${l}`), jobs }, blocks);
}

function servicesPipeline(
  merged: MergedPipeline,
  rewrite: RewriteSettings,
): CiPipeline | undefined {
  const jobs: Record<string, CiEntry> = {};
  const stages: string[] = [];
  for (const name of SERVICE_ORDER) {
    const service = merged.services.find((s) => s.name === name);
    if (!service) continue;
    const stage = service.stage ?? `stage-${name}`;
    if (!stages.includes(stage)) stages.push(stage);
    jobs[name] = {
      ...rewriteSpackJob(service.job, service.fileVariables, rewrite),
      stage,
    };
  }
  return stages.length > 0 ? { stages, jobs } : undefined;
}

function noopPipeline(merged: MergedPipeline, rewrite: RewriteSettings): CiPipeline {
  const noop = merged.services.find((s) => s.name === NO_SPECS_TO_REBUILD_JOB);
  const job: CiJob = noop
    ? rewriteSpackJob(noop.job, {}, rewrite)
    : {
        tags: [...rewrite.tags],
        script: ['echo "All specs already up to date, nothing to rebuild."'],
      };
  return { jobs: { [NO_SPECS_TO_REBUILD_JOB]: job } };
}

function summarize(
  merged: MergedPipeline,
  files: ReadonlyMap<string, string>,
  childPipelines: number,
): ProcessSummary {
  return {
    jobsIn: merged.jobsIn,
    jobsOut: merged.jobs.length,
    duplicatesRemoved: merged.duplicatesRemoved,
    childPipelines,
    biggestFileBytes: Math.max(...[...files.values()].map((text) => Buffer.byteLength(text))),
  };
}
