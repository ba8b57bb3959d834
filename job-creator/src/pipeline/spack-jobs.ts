import { steppedScript, type JobStep } from "../../../common/src/ci/steps.js";
import type { CiJob, CiNeed } from "../../../common/src/ci/types.js";
import {
  GENERATE_PIPELINE_JOB,
  environmentPath,
  jobsScratchDir,
  spackArtifactsDir,
  spacktainerArtifactsDir,
} from "../../../common/src/job-names.js";
import { shellQuote } from "../../../common/src/shell.js";
import type { Architecture } from "../config/architecture.js";
import type { SpackContainer } from "../definitions/types.js";
import { includesStage, stageRangeArguments, type StageRange } from "../definitions/stage-range.js";
import {
  JC,
  SPACKITOR,
  architectureOf,
  archJobBase,
  cacheBucket,
  cacheCredentialVariables,
  parentArtifactsNeed,
  toolsJobBase,
  type GenerationContext,
} from "./context.js";
import { generateOutputNeeds } from "./gather-jobs.js";

/** Where the merged environment of a container is written by `jc create-jobs`. */
export const environmentDir = (outputDir: string, arch: string, name: string) =>
  `${outputDir}/${environmentPath(arch, name)}`;

/** The builder image of an arch and the job that builds it in this pipeline, if any. */
export interface BuilderImage {
  readonly ref: string;
  readonly buildJob?: string;
}

/**
 * Concretizes one container's environment and runs `spack ci generate` on it. Its
 * artifacts (the generated pipeline, the concrete environment, spack.lock) feed the
 * process, workflow and cleaning jobs of the arch.
 */
export function buildSpackGenerateJob(
  container: SpackContainer,
  builder: BuilderImage,
  ctx: GenerationContext,
  rebuildPackages = false,
): CiJob {
  const arch = architectureOf(ctx, container.arch);
  const base = archJobBase(arch);
  const envDir = environmentDir(ctx.outputDir, container.arch, container.name);
  const scratch = `${jobsScratchDir(container.arch)}/${container.name}`;
  const needs: CiNeed[] = [parentArtifactsNeed(GENERATE_PIPELINE_JOB)];
  if (builder.buildJob) needs.push({ job: builder.buildJob, artifacts: false });
  return {
    stage: "spack generate",
    image: { name: builder.ref, entrypoint: [""] },
    tags: base.tags,
    variables: {
      ...base.variables,
      ...cacheCredentialVariables(arch),
      // Forced with --rebuild-packages: Spack plans a job for every spec, built even when
      // the cache holds it (what `spack ci generate --no-prune-dag` does, in every release).
      ...(rebuildPackages ? { SPACK_PRUNE_UP_TO_DATE: "False" } : {}),
    },
    needs,
    ...steppedScript([
      {
        name: "environment",
        title: "Activate the merged Spack environment",
        lines: [
          ". /opt/spack/share/spack/setup-env.sh",
          `mkdir -p ${shellQuote(scratch)}`,
          `spack env activate --without-view ${shellQuote(envDir)}`,
        ],
        collapsed: true,
      },
      { name: "concretize", title: "Concretize", lines: ["spack concretize -f"] },
      {
        name: "generate",
        title: "Plan the rebuild jobs (spack ci generate)",
        lines: [
          `spack ci generate --check-index-only --artifacts-root "$CI_PROJECT_DIR"/${shellQuote(scratch)} --output-file "$CI_PROJECT_DIR"/${shellQuote(`${scratch}/pipeline.yml`)}`,
          `cp ${shellQuote(`${envDir}/spack.lock`)} ${shellQuote(`${scratch}/spack.lock`)}`,
        ],
      },
    ]),
    artifacts: { paths: [`${scratch}/`], when: "always", expire_in: "1 week" },
    timeout: "1h",
  };
}

function toolJob(
  ctx: GenerationContext,
  arch: Architecture,
  needs: readonly CiNeed[],
): Omit<CiJob, "script"> {
  const { image, before_script } = toolsJobBase(ctx.config);
  return { image, ...archJobBase(arch), needs, before_script };
}

/** A job of the `process` stage: a jc command writing `out`, which is its artifact. */
function processJob(
  ctx: GenerationContext,
  arch: Architecture,
  needs: readonly CiNeed[],
  command: string,
  out: string,
  step: Omit<JobStep, "lines">,
): CiJob {
  return {
    ...toolJob(ctx, arch, needs),
    stage: "process",
    ...steppedScript([{ ...step, lines: [`${JC} ${command}`] }]),
    artifacts: { paths: [`${out}/`], expire_in: "1 week" },
  };
}

/** Turns spack's per-container pipelines of one arch into size-limited child pipelines. */
export function buildProcessSpackJob(
  arch: Architecture,
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
): CiJob {
  const out = spackArtifactsDir(arch.name);
  return processJob(
    ctx,
    arch,
    generateOutputNeeds(arch, containers, ctx),
    `process-spack-pipeline --arch ${shellQuote(arch.name)} -d ${jobsScratchDir(arch.name)} -o ${out} --index-resource-group ${shellQuote(buildCacheResourceGroup(ctx, arch))}`,
    out,
    { name: "process", title: "Split the Spack pipelines into child pipelines" },
  );
}

/** Decides which containers of one arch to build, convert and publish. */
export function buildSpacktainerWorkflowJob(
  arch: Architecture,
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
  selection: {
    readonly only?: readonly string[];
    readonly force: readonly string[];
    readonly stages?: StageRange;
  } = {
    force: [],
  },
): CiJob {
  const out = spacktainerArtifactsDir(arch.name);
  // The stages before the containers' are create-jobs' business: the workflow starts at
  // its first stage at the earliest.
  const stages = selection.stages && {
    from: includesStage({ from: "base-images", to: "cache" }, selection.stages.from)
      ? ("containers" as const)
      : selection.stages.from,
    to: selection.stages.to,
  };
  const selected = [
    ...(selection.only ? [`--only ${shellQuote(selection.only.join(","))}`] : []),
    ...(selection.force.length > 0 ? [`--force ${shellQuote(selection.force.join(","))}`] : []),
    ...(stages ? stageRangeArguments(stages) : []),
  ];
  return processJob(
    ctx,
    arch,
    [parentArtifactsNeed(GENERATE_PIPELINE_JOB), ...generateOutputNeeds(arch, containers, ctx)],
    [
      `generate-spacktainer-workflow --arch ${shellQuote(arch.name)} --generated-dir ${shellQuote(ctx.outputDir)} --lock-dir ${jobsScratchDir(arch.name)} -o ${out}`,
      ...(arch.emulated ? ["--emulated"] : []),
      ...selected,
    ].join(" "),
    out,
    { name: "plan", title: "Plan the container builds" },
  );
}

/** Prunes the arch's binary cache, keeping every spec the containers' lock files use. */
export function buildCleanCacheJob(
  arch: Architecture,
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
): CiJob {
  const { bucket, maxAgeDays } = cacheBucket(ctx, arch);
  const prefix = arch.cache.prefix ? ` --prefix ${shellQuote(arch.cache.prefix)}` : "";
  const job = toolJob(ctx, arch, generateOutputNeeds(arch, containers, ctx));
  return {
    ...job,
    stage: "cache cleanup",
    variables: { ...job.variables, ...cacheCredentialVariables(arch) },
    ...steppedScript([
      {
        name: "clean",
        title: `Prune s3://${bucket} (spackitor)`,
        lines: [
          `${SPACKITOR} --bucket ${shellQuote(bucket)}${prefix} --max-age ${maxAgeDays} --lock-dir ${jobsScratchDir(arch.name)} --log-file spackitor.${arch.name}.log`,
        ],
      },
    ]),
    artifacts: { paths: [`spackitor.${arch.name}.log`], when: "always", expire_in: "1 month" },
    // Housekeeping, as in the original: a failed cleaning shows as a warning and does not
    // stop the containers (the bridge of this child pipeline depends on its status). A run
    // that dies is finished by the next one (spackitor's journal).
    allow_failure: true,
    // One writer of the cache's index at a time: two pipelines must not prune the same
    // bucket at once, nor prune it while another rewrites its index.
    resource_group: buildCacheResourceGroup(ctx, arch),
  };
}

/** The resource group of every job that rewrites a cache's index (the cleaner, rebuild-index). */
export function buildCacheResourceGroup(ctx: GenerationContext, arch: Architecture): string {
  return `build-cache-${arch.name}-${cacheBucket(ctx, arch).bucket}`;
}
