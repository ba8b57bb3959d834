import type { CiEntry, CiJob, CiPipeline } from "../../../common/src/ci/types.js";
import {
  buildBaseImageJobName,
  cleanBuildCacheJobName,
  generateSpackJobName,
  generateSpacktainerJobName,
  multiarchJobName,
  processSpackPipelineJobName,
  runnerWarningJobName,
} from "../../../common/src/job-names.js";
import { shellQuote } from "../../../common/src/shell.js";
import { BASE_IMAGES, archImageRef, type BaseImagePlan } from "../base-images/plan.js";
import {
  EVERYTHING,
  isForced,
  type SelectedDefinitions,
  type Selection,
} from "../definitions/selection.js";
import type { ContainerDefinition, SpackContainer } from "../definitions/types.js";
import {
  WHOLE_CHAIN,
  includesStage,
  type ChainStage,
  type StageRange,
} from "../definitions/stage-range.js";
import { InputError } from "../../../common/src/errors.js";
import { buildBaseImageJob, buildMultiarchJob } from "./base-image-jobs.js";
import { buildGatherJobs } from "./gather-jobs.js";
import { STAGES, architectureOf, type GenerationContext } from "./context.js";
import {
  buildCleanCacheJob,
  buildProcessSpackJob,
  buildSpackGenerateJob,
  buildSpacktainerWorkflowJob,
  type BuilderImage,
} from "./spack-jobs.js";

const CONTAINER_STAGES: readonly ChainStage[] = ["containers", "sif", "publish", "deploy"];

/**
 * The child pipeline `jc create-jobs` writes: base images that must be rebuilt, their
 * multi-arch manifests, and per arch the Spack generate, process, workflow and
 * cache-cleaning jobs.
 */
export function buildGeneratedPipeline(
  selected: Pick<SelectedDefinitions, "architectures" | "partial">,
  baseImages: readonly BaseImagePlan[],
  ctx: GenerationContext,
  selection: Selection = EVERYTHING,
  warnings: readonly { readonly arch: string; readonly warning: string }[] = [],
): CiPipeline {
  const stages = selection.stages ?? WHOLE_CHAIN;
  const buildsBaseImages = includesStage(stages, "base-images");
  const buildsCache = includesStage(stages, "cache");
  const buildsContainers = CONTAINER_STAGES.some((stage) => includesStage(stages, stage));
  const jobs: Record<string, CiEntry> = buildsBaseImages ? baseImageJobs(baseImages, ctx) : {};
  for (const { arch, warning } of warnings)
    jobs[runnerWarningJobName(arch)] = runnerWarningJob(warning, ctx);
  for (const { arch, containers } of selected.architectures) {
    // `--to base-images`: nothing per arch (get-artifacts gives its bridges no-op files).
    if (!buildsCache && !buildsContainers) continue;
    const architecture = architectureOf(ctx, arch);
    const spackContainers = containers.filter((c): c is SpackContainer => c.kind === "spack");
    const builder = builderImage(baseImages, arch, buildsBaseImages);
    for (const container of spackContainers) {
      const rebuildPackages = selection.rebuildPackages && isForced(selection, container.name);
      jobs[generateSpackJobName(container.name, arch)] = buildSpackGenerateJob(
        container,
        builder,
        ctx,
        rebuildPackages,
      );
    }
    Object.assign(jobs, buildGatherJobs(architecture, spackContainers, ctx));
    // Without the cache stage the lock files are still made (the containers install from
    // them), but no package is built: the populate bridge runs get-artifacts' no-op file.
    if (spackContainers.length > 0 && buildsCache) {
      jobs[processSpackPipelineJobName(arch)] = buildProcessSpackJob(
        architecture,
        spackContainers,
        ctx,
      );
      // The cleaner keeps what the lock files it is given use: a partial run has only some.
      if (!selected.partial.has(arch))
        jobs[cleanBuildCacheJobName(arch)] = buildCleanCacheJob(architecture, spackContainers, ctx);
    }
    if (buildsContainers)
      jobs[generateSpacktainerJobName(arch)] = buildSpacktainerWorkflowJob(
        architecture,
        spackContainers,
        ctx,
        workflowSelection(selection, containers, selected.partial.has(arch)),
      );
  }
  const count = Object.keys(jobs).length;
  if (count > ctx.config.limits.maxJobsPerFile)
    throw new InputError(
      `the generated pipeline would hold ${count} jobs, over limits.maxJobsPerFile (${ctx.config.limits.maxJobsPerFile}; GitLab.com allows 500 to 2000 jobs per pipeline by plan, self-managed instances set their own): raise it where your instance allows more, or build part of the containers (--only, --arch)`,
    );
  return {
    stages: STAGES.filter((stage) => Object.values(jobs).some((job) => job.stage === stage)),
    variables: { GIT_DEPTH: "1" },
    jobs,
  };
}

/** The containers the arch's workflow job considers and forces, as its arguments say them. */
function workflowSelection(
  selection: Selection,
  containers: readonly ContainerDefinition[],
  partial: boolean,
): { only?: readonly string[]; force: readonly string[]; stages?: StageRange } {
  const forced = containers.filter((c) => isForced(selection, c.name)).map((c) => c.name);
  return {
    ...(partial ? { only: containers.map((c) => c.name) } : {}),
    force: forced,
    ...(selection.stages ? { stages: selection.stages } : {}),
  };
}

/**
 * A job that shows, in the pipeline itself, that an architecture is emulated or left out:
 * it prints why and ends with exit code 3, allowed, so the pipeline passes with a warning.
 */
function runnerWarningJob(warning: string, ctx: GenerationContext): CiJob {
  return {
    stage: "base images",
    image: ctx.config.images.tools,
    needs: [],
    script: [`printf '%s\\n' ${shellQuote(`warning: ${warning}`)}`, "exit 3"],
    allow_failure: { exit_codes: [3] },
  };
}

function baseImageJobs(
  plans: readonly BaseImagePlan[],
  ctx: GenerationContext,
): Record<string, CiEntry> {
  const jobs: Record<string, CiEntry> = {};
  for (const plan of plans) {
    if (plan.decision.action === "rebuild")
      jobs[buildBaseImageJobName(plan.image, plan.arch)] = buildBaseImageJob(plan, ctx);
  }
  for (const image of BASE_IMAGES) {
    const perArch = plans.filter((p) => p.image === image);
    const rebuilt = perArch.filter((p) => p.decision.action === "rebuild");
    // A manifest list only helps with two or more arches, and only changes when one of them did.
    if (perArch.length < 2 || rebuilt.length === 0) continue;
    jobs[multiarchJobName(image)] = buildMultiarchJob(
      perArch,
      rebuilt.map((p) => buildBaseImageJobName(p.image, p.arch)),
      ctx,
    );
  }
  return jobs;
}

function builderImage(
  plans: readonly BaseImagePlan[],
  arch: string,
  buildsBaseImages: boolean,
): BuilderImage {
  const plan = plans.find((p) => p.image === "builder" && p.arch === arch);
  if (!plan) return { ref: "" };
  return {
    ref: archImageRef(plan),
    ...(plan.decision.action === "rebuild" && buildsBaseImages
      ? { buildJob: buildBaseImageJobName("builder", arch) }
      : {}),
  };
}
