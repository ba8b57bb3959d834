import type { CiEntry, CiJob, CiNeed, CiPipeline } from "../../../common/src/ci/types.js";
import { GATHER_ARTIFACTS_JOB } from "../../../common/src/job-names.js";
import { shellExpand, shellQuote } from "../../../common/src/shell.js";
import type { Architecture } from "../config/architecture.js";
import type { PublishTargetConfig } from "../config/schema.js";
import { BUILDAH_VARIABLES, buildahLogin, registryLogin } from "./base-image-jobs.js";
import {
  archJobBase,
  bucketCredentialVariables,
  parentArtifactsNeed,
  type GenerationContext,
} from "./context.js";
import type { ContainerDecision } from "../containers/decide.js";
import { imageRef } from "../containers/facts.js";
import { BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG } from "../containers/dockerfile.js";
import { CHECK_SIGNATURE_ARG } from "./signing.js";
import type { CustomTarget, SpackTarget } from "../containers/targets.js";

export const buildContainerJobName = (name: string, arch: string) =>
  `build ${name} container for ${arch}`;
export const sifJobName = (name: string, arch: string) => `create ${name} sif file for ${arch}`;
export const publishJobName = (name: string, target: string, arch: string) =>
  `publish ${name} to ${target} for ${arch}`;
export const deployJobName = (name: string, arch: string) => `deploy ${name} sif file for ${arch}`;
export const nothingToDoJobName = (arch: string) => `containers of ${arch} are up to date`;

/** The script that uploads SIF files safely (temporary key, archive, rollback); in the repository. */
export const SIF_STORE_SCRIPT = "singularitah/sif-store.sh";

/** Job variables that carry the cache key pair into `buildah build --secret`. */
const BUILD_SECRET_VARIABLES = {
  accessKeyId: "SPACKTAINERS_CACHE_KEY_ID",
  secretAccessKey: "SPACKTAINERS_CACHE_SECRET_KEY",
} as const;

export const WORKFLOW_STAGES = ["build", "sif", "publish", "deploy"] as const;

/** What the container jobs of one arch build on, and where their build contexts are. */
export interface WorkflowSettings {
  readonly arch: Architecture;
  /** Folder of the build contexts inside the gathered artifacts, e.g. spacktainer.artifacts.amd64. */
  readonly artifactsDir: string;
  readonly builderImage: string;
  readonly runtimeImage: string;
  readonly singularitahImage: string;
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
  for (const decision of decisions) {
    const { target } = decision;
    const built = decision.build && target.kind === "spack";
    if (built)
      jobs[buildContainerJobName(target.name, target.arch)] = buildJob(target, settings, ctx);
    const afterBuild: CiNeed[] = built
      ? [{ job: buildContainerJobName(target.name, target.arch), artifacts: false }]
      : [];
    if (decision.sif) {
      jobs[sifJobName(target.name, target.arch)] =
        target.kind === "spack"
          ? spackSifJob(target, afterBuild, settings, ctx)
          : customSifJob(target, settings);
      if (settings.arch.deploy)
        jobs[deployJobName(target.name, target.arch)] = deployJob(target, settings);
    }
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
  const stages = WORKFLOW_STAGES.filter((stage) =>
    Object.values(jobs).some((job) => job.stage === stage),
  );
  return { stages: stages.length > 0 ? stages : ["build"], jobs };
}

function buildJob(target: SpackTarget, settings: WorkflowSettings, ctx: GenerationContext): CiJob {
  const base = archJobBase(settings.arch);
  const cache = settings.arch.cache.credentials;
  const context = `${settings.artifactsDir}/${target.name}`;
  const ref = shellExpand(imageRef(target.repository, target.tag));
  const labels = [
    ...Object.entries(target.labels).map(([k, v]) => `--label ${shellQuote(`${k}=${v}`)}`),
    `--label ${shellQuote(`org.opencontainers.image.title=${target.name}`)}`,
    `--label ${shellQuote(`org.opencontainers.image.version=${target.tag}`)}`,
    // The pipeline's own time, set when the job runs: the generated YAML stays byte-identical.
    `--label ${shellExpand("org.opencontainers.image.created=$CI_PIPELINE_CREATED_AT")}`,
    '--label "org.opencontainers.image.revision=$CI_COMMIT_SHA"',
    '--label "org.opencontainers.image.source=$CI_PROJECT_URL"',
    '--label "org.spacktainers.pipeline.url=$CI_PIPELINE_URL"',
    '--label "org.spacktainers.branch=$CI_COMMIT_REF_NAME"',
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
    },
    needs: [parentArtifactsNeed(GATHER_ARTIFACTS_JOB)],
    before_script: [registryLogin(ctx)],
    script: [
      [
        "buildah build",
        `--platform linux/${target.arch}`,
        `--file ${shellQuote(`${context}/Dockerfile`)}`,
        `--build-arg ${shellExpand(`${BUILDER_IMAGE_ARG}=${settings.builderImage}`)}`,
        `--build-arg ${shellExpand(`${RUNTIME_IMAGE_ARG}=${settings.runtimeImage}`)}`,
        // A signed cache: the install verifies against the context's public key only.
        ...(settings.arch.cache.signing ? [`--build-arg ${CHECK_SIGNATURE_ARG}=yes`] : []),
        `--secret id=aws_access_key_id,env=${BUILD_SECRET_VARIABLES.accessKeyId}`,
        `--secret id=aws_secret_access_key,env=${BUILD_SECRET_VARIABLES.secretAccessKey}`,
        ...labels,
        `--tag ${ref}`,
        shellQuote(context),
      ].join(" "),
      `buildah push ${ref}`,
    ],
    timeout: ctx.config.buildJobs.timeout,
  };
}

/** Variables of jobs that talk to the containers bucket: the key pair by name, never by value. */
const bucketVariables = (arch: Architecture) => bucketCredentialVariables(arch.containers);

const sifUrl = (arch: Architecture, target: SpackTarget | CustomTarget) =>
  `s3://${arch.containers.bucket}/${target.sifKey}`;

function uploadLine(target: SpackTarget | CustomTarget, arch: Architecture): string {
  const maxAge = arch.containers.archiveMaxAgeDays;
  const metadata = Object.entries(target.sifMetadata).map(([k, v]) => shellQuote(`${k}=${v}`));
  return [
    `sh ${SIF_STORE_SCRIPT} publish`,
    shellQuote(`${target.name}.sif`),
    shellQuote(sifUrl(arch, target)),
    String(maxAge),
    ...metadata,
  ].join(" ");
}

function sifJobBase(settings: WorkflowSettings): Omit<CiJob, "script" | "needs"> {
  const base = archJobBase(settings.arch);
  return {
    stage: "sif",
    image: { name: settings.singularitahImage, entrypoint: [""] },
    tags: base.tags,
    variables: { ...base.variables, ...bucketVariables(settings.arch) },
    timeout: "2h",
  };
}

function spackSifJob(
  target: SpackTarget,
  needs: readonly CiNeed[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const job = sifJobBase(settings);
  const { userVariable, passwordVariable } = ctx.config.registry.credentials;
  return {
    ...job,
    variables: {
      ...job.variables,
      // Apptainer reads registry credentials from these, so none goes on a command line.
      APPTAINER_DOCKER_USERNAME: `$${userVariable}`,
      APPTAINER_DOCKER_PASSWORD: `$${passwordVariable}`,
    },
    needs,
    script: [
      `apptainer pull --force ${shellQuote(`${target.name}.sif`)} ${shellExpand(`docker://${imageRef(target.repository, target.tag)}`)}`,
      uploadLine(target, settings.arch),
    ],
  };
}

function customSifJob(target: CustomTarget, settings: WorkflowSettings): CiJob {
  const definition = `${settings.artifactsDir}/${target.name}/${target.name}.def`;
  return {
    ...sifJobBase(settings),
    needs: [parentArtifactsNeed(GATHER_ARTIFACTS_JOB)],
    script: [
      `apptainer build --force ${shellQuote(`${target.name}.sif`)} ${shellQuote(definition)}`,
      uploadLine(target, settings.arch),
    ],
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
    before_script: [
      registryLogin(ctx),
      buildahLogin(destination.registry, destination.credentials),
    ],
    script: [`buildah pull ${source}`, `buildah push ${source} ${shellQuote(`docker://${ref}`)}`],
    timeout: "1h",
  };
}

function deployJob(target: SpackTarget | CustomTarget, settings: WorkflowSettings): CiJob {
  const deploy = settings.arch.deploy!;
  const file = target.sifKey.slice(target.sifKey.lastIndexOf("/") + 1);
  return {
    stage: "deploy",
    image: { name: deploy.image ?? settings.singularitahImage, entrypoint: [""] },
    tags: [...deploy.runnerTags],
    variables: bucketVariables(settings.arch),
    needs: [{ job: sifJobName(target.name, target.arch), artifacts: false }],
    script: [
      `sh ${SIF_STORE_SCRIPT} fetch ${shellQuote(sifUrl(settings.arch, target))} ${shellQuote(`${deploy.path.replace(/\/+$/, "")}/${file}`)}`,
    ],
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
