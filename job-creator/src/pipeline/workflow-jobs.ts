import type { CiEntry, CiJob, CiNeed, CiPipeline } from "../../../common/src/ci/types.js";
import { GATHER_ARTIFACTS_JOB } from "../../../common/src/job-names.js";
import { shellExpand, shellQuote } from "../../../common/src/shell.js";
import type { PublishTargetConfig } from "../config/schema.js";
import { steppedScript } from "../../../common/src/ci/steps.js";
import { BUILDAH_VARIABLES, buildahLogin, emulationSteps, loginStep } from "./base-image-jobs.js";
import { archJobBase, parentArtifactsNeed, type GenerationContext } from "./context.js";
import type { ContainerDecision } from "../containers/decide.js";
import { imageRef } from "../containers/facts.js";
import { BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG } from "../containers/dockerfile.js";
import { CHECK_SIGNATURE_ARG } from "./signing.js";
import { fetchInputLines, fetchInputVariables } from "./fetch-inputs.js";
import { customSifJob, deployJob, spackSifJob } from "./sif-jobs.js";
import { withArchiveJob } from "./archive-job.js";
import {
  WORKFLOW_STAGES,
  buildContainerJobName,
  deployJobName,
  nothingToDoJobName,
  publishJobName,
  sifJobName,
  type WorkflowSettings,
} from "./workflow-settings.js";
import {
  BUILDER_IMAGE_LABEL,
  inputEntries,
  inputLabel,
  type SpackTarget,
} from "../containers/targets.js";

/** Job variables that carry the cache key pair into `buildah build --secret`. */
const BUILD_SECRET_VARIABLES = {
  accessKeyId: "SPACKTAINERS_CACHE_KEY_ID",
  secretAccessKey: "SPACKTAINERS_CACHE_SECRET_KEY",
} as const;

/**
 * Whether a job of the container pipeline reads the container's build context from the
 * artifacts: a Spack container's build, a `.def` container's SIF conversion. Only those
 * contexts are written, so a run that builds nothing uploads no lock files.
 */
export function readsBuildContext({ target, build, sif }: ContainerDecision): boolean {
  return target.kind === "spack" ? build !== undefined : sif !== undefined;
}

/**
 * The container pipeline of one arch: per container only the steps its decision asks
 * for, each needing just what it uses, or one job that says nothing needs doing.
 */
export function buildWorkflowPipeline(
  decisions: readonly ContainerDecision[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiPipeline {
  const jobs: Record<string, CiEntry> = {};
  const built = new Set(
    decisions.filter((d) => d.build && d.target.kind === "spack").map((d) => d.target.name),
  );
  // A job waits for the build of the image it reads, when this pipeline builds it.
  const afterBuildOf = (name: string | undefined, arch: string): CiNeed[] =>
    name !== undefined && built.has(name)
      ? [{ job: buildContainerJobName(name, arch), artifacts: false }]
      : [];
  for (const decision of decisions) {
    const { target } = decision;
    const onBase = afterBuildOf(target.basedOn?.name, target.arch);
    if (decision.build && target.kind === "spack")
      jobs[buildContainerJobName(target.name, target.arch)] = buildJob(
        target,
        onBase,
        settings,
        ctx,
      );
    const afterBuild = afterBuildOf(target.name, target.arch);
    if (decision.sif) {
      jobs[sifJobName(target.name, target.arch)] =
        target.kind === "spack"
          ? spackSifJob(target, afterBuild, settings, ctx)
          : customSifJob(target, onBase, settings, ctx);
    }
    if (decision.deploy && settings.arch.deploy)
      jobs[deployJobName(target.name, target.arch)] = deployJob(
        target,
        decision.sif ? [{ job: sifJobName(target.name, target.arch), artifacts: false }] : [],
        settings,
      );
    if (target.kind === "spack") {
      for (const step of decision.publish) {
        jobs[publishJobName(target.name, step.target.name, target.arch)] = publishJob(
          target,
          step.target,
          step.ref,
          afterBuild,
          settings,
          ctx,
        );
      }
    }
  }
  if (Object.keys(jobs).length === 0)
    jobs[nothingToDoJobName(settings.arch.name)] = nothingToDoJob(decisions, settings, ctx);
  const all = withArchiveJob(jobs, decisions, settings, ctx);
  const stages = WORKFLOW_STAGES.filter((stage) =>
    Object.values(all).some((job) => job.stage === stage),
  );
  return { stages: stages.length > 0 ? stages : ["build"], jobs: all };
}

function buildJob(
  target: SpackTarget,
  onBase: readonly CiNeed[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const base = archJobBase(settings.arch);
  const cache = settings.arch.cache.credentials;
  const context = `${settings.artifactsDir}/${target.name}`;
  const ref = shellExpand(imageRef(target.repository, target.tag));
  const labels = [
    ...Object.entries(target.labels).map(([k, v]) => `--label ${shellQuote(`${k}=${v}`)}`),
    ...inputEntries(target, inputLabel).map(([k, v]) => `--label ${shellQuote(`${k}=${v}`)}`),
    `--label ${shellQuote(`org.opencontainers.image.title=${target.name}`)}`,
    `--label ${shellQuote(`org.opencontainers.image.version=${target.tag}`)}`,
    // The pipeline's own time, set when the job runs: the generated YAML stays byte-identical.
    `--label ${shellExpand("org.opencontainers.image.created=$CI_PIPELINE_CREATED_AT")}`,
    '--label "org.opencontainers.image.revision=$CI_COMMIT_SHA"',
    '--label "org.opencontainers.image.source=$CI_PROJECT_URL"',
    '--label "org.spacktainers.pipeline.url=$CI_PIPELINE_URL"',
    '--label "org.spacktainers.branch=$CI_COMMIT_REF_NAME"',
    `--label ${shellExpand(`${BUILDER_IMAGE_LABEL}=${settings.builderImage}`)}`,
  ];
  return {
    stage: "build",
    image: { name: ctx.config.images.buildah, entrypoint: [""] },
    tags: base.tags,
    variables: {
      ...base.variables,
      ...BUILDAH_VARIABLES,
      // The builder's ONBUILD install reads the binary cache; the keys reach it as build
      // secrets, which never end up in a layer or the image history.
      // Names of their own, so they never shadow the project variables they refer to.
      [BUILD_SECRET_VARIABLES.accessKeyId]: `$${cache.accessKeyIdVariable}`,
      [BUILD_SECRET_VARIABLES.secretAccessKey]: `$${cache.secretAccessKeyVariable}`,
      ...fetchInputVariables(ctx.config, target.container),
    },
    needs: [parentArtifactsNeed(GATHER_ARTIFACTS_JOB), ...onBase],
    ...steppedScript([
      loginStep(ctx),
      ...emulationSteps(settings.arch),
      ...(target.container.fetched.length > 0
        ? [
            {
              name: "fetch_inputs",
              title: "Fetch and check the inputs of spacktainer.fetch",
              lines: fetchInputLines(target.container, context),
            },
          ]
        : []),
      {
        name: "build",
        title: `Build ${target.name}:${target.tag} (install from the build cache)`,
        lines: [
          [
            "buildah build",
            `--platform linux/${target.arch}`,
            `--file ${shellQuote(`${context}/Dockerfile`)}`,
            `--build-arg ${shellExpand(`${BUILDER_IMAGE_ARG}=${settings.builderImage}`)}`,
            `--build-arg ${shellExpand(`${RUNTIME_IMAGE_ARG}=${target.basedOn?.ref ?? settings.runtimeImage}`)}`,
            // A signed cache: the install verifies against the context's public key only.
            ...(settings.arch.cache.signing ? [`--build-arg ${CHECK_SIGNATURE_ARG}=yes`] : []),
            `--secret id=aws_access_key_id,env=${BUILD_SECRET_VARIABLES.accessKeyId}`,
            `--secret id=aws_secret_access_key,env=${BUILD_SECRET_VARIABLES.secretAccessKey}`,
            ...labels,
            `--tag ${ref}`,
            shellQuote(context),
          ].join(" "),
        ],
      },
      { name: "push", title: "Push the image", lines: [`buildah push ${ref}`] },
    ]),
    timeout: ctx.config.buildJobs.timeout,
  };
}

function publishJob(
  target: SpackTarget,
  destination: PublishTargetConfig,
  ref: string,
  needs: readonly CiNeed[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const base = archJobBase(settings.arch);
  const source = shellExpand(imageRef(target.repository, target.tag));
  return {
    stage: "publish",
    image: { name: ctx.config.images.buildah, entrypoint: [""] },
    tags: base.tags,
    variables: { ...base.variables, ...BUILDAH_VARIABLES },
    needs,
    ...steppedScript([
      loginStep(ctx, buildahLogin(destination.registry, destination.credentials)),
      {
        name: "pull",
        title: `Pull ${target.name}:${target.tag}`,
        lines: [`buildah pull ${source}`],
      },
      {
        name: "push",
        title: `Push it to ${destination.name}`,
        lines: [`buildah push ${source} ${shellQuote(`docker://${ref}`)}`],
      },
    ]),
    timeout: "1h",
  };
}

function nothingToDoJob(
  decisions: readonly ContainerDecision[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const names = decisions.map((d) => `${d.target.name}:${d.target.tag}`).join(", ");
  const message =
    decisions.length === 0
      ? `no containers are defined for ${settings.arch.name}`
      : `every container of ${settings.arch.name} is built, converted and published: ${names}`;
  return {
    stage: "build",
    image: ctx.config.images.tools,
    tags: [...settings.arch.runnerTags],
    variables: { GIT_STRATEGY: "none" },
    script: [`echo ${shellQuote(message)}`],
  };
}
