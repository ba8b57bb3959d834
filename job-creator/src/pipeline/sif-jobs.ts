import { steppedScript, type JobStep } from "../../../common/src/ci/steps.js";
import type { CiJob, CiNeed } from "../../../common/src/ci/types.js";
import { GATHER_ARTIFACTS_JOB } from "../../../common/src/job-names.js";
import { shellExpand, shellQuote } from "../../../common/src/shell.js";
import type { Architecture } from "../config/architecture.js";
import {
  imageRef,
  inputEntries,
  inputMetadataKey,
  type CustomTarget,
  type SpackTarget,
} from "../containers/targets.js";
import {
  archJobBase,
  bucketCredentialVariables,
  parentArtifactsNeed,
  type GenerationContext,
} from "./context.js";
import type { WorkflowSettings } from "./workflow-settings.js";

/*
 * The SIF jobs of the container pipeline (a Spack container's image pulled, a `.def`
 * built) and their deploy jobs, which copy new SIF files to a shared filesystem.
 */

/** The script that uploads SIF files safely (temporary key, archive, rollback); in the repository. */
export const SIF_STORE_SCRIPT = "singularitah/sif-store.sh";

/** Variables of jobs that talk to the containers bucket: the key pair by name, never by value. */
const bucketVariables = (arch: Architecture) => bucketCredentialVariables(arch.containers);

const sifUrl = (arch: Architecture, target: SpackTarget | CustomTarget) =>
  `s3://${arch.containers.bucket}/${target.sifKey}`;

function uploadStep(
  target: SpackTarget | CustomTarget,
  arch: Architecture,
  ctx: GenerationContext,
): JobStep {
  const maxAge = arch.containers.archiveMaxAgeDays;
  const metadata = [
    ...Object.entries(target.sifMetadata),
    ...inputEntries(target, inputMetadataKey),
  ].map(([k, v]) => shellQuote(`${k}=${v}`));
  const line = [
    // The newest archive.keep archives stay whatever their age (as for registry tags).
    `ARCHIVE_KEEP=${ctx.config.archive.keep} sh ${SIF_STORE_SCRIPT} publish`,
    shellQuote(`${target.name}.sif`),
    shellQuote(sifUrl(arch, target)),
    String(maxAge),
    ...metadata,
  ].join(" ");
  return { name: "upload", title: `Upload it to s3://${arch.containers.bucket}`, lines: [line] };
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

/** Apptainer reads registry credentials from these, so none goes on a command line. */
const registryVariables = (ctx: GenerationContext) => ({
  APPTAINER_DOCKER_USERNAME: `$${ctx.config.registry.credentials.userVariable}`,
  APPTAINER_DOCKER_PASSWORD: `$${ctx.config.registry.credentials.passwordVariable}`,
});

export function spackSifJob(
  target: SpackTarget,
  needs: readonly CiNeed[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const job = sifJobBase(settings);
  return {
    ...job,
    variables: { ...job.variables, ...registryVariables(ctx) },
    needs,
    ...steppedScript([
      {
        name: "convert",
        title: `Convert ${target.name}:${target.tag} to a SIF file`,
        lines: [
          `apptainer pull --force ${shellQuote(`${target.name}.sif`)} ${shellExpand(`docker://${imageRef(target.repository, target.tag)}`)}`,
        ],
      },
      uploadStep(target, settings.arch, ctx),
    ]),
  };
}

/**
 * A `.def` container's SIF file. Built on one of our images, the job first writes that
 * image's reference, CI variables expanded, into the definition's `From:` line (apptainer
 * expands none), reads it with the registry credentials, and waits for its build.
 */
export function customSifJob(
  target: CustomTarget,
  onBase: readonly CiNeed[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): CiJob {
  const definition = `${settings.artifactsDir}/${target.name}/${target.name}.def`;
  const job = sifJobBase(settings);
  const from = target.container.from;
  const ours = "container" in from && target.basedOn ? { ...from, ...target.basedOn } : undefined;
  return {
    ...job,
    ...(ours ? { variables: { ...job.variables, ...registryVariables(ctx) } } : {}),
    needs: [parentArtifactsNeed(GATHER_ARTIFACTS_JOB), ...onBase],
    ...steppedScript([
      {
        name: "build",
        title: `Build ${target.name} from its definition`,
        lines: [
          ...(ours?.line
            ? [
                `sed -i ${shellExpand(`${ours.line}s|.*|From: ${ours.ref}|`)} ${shellQuote(definition)}`,
              ]
            : []),
          `apptainer build --force ${shellQuote(`${target.name}.sif`)} ${shellQuote(definition)}`,
        ],
      },
      uploadStep(target, settings.arch, ctx),
    ]),
  };
}

/** Copies the SIF file to the deploy folder, after its SIF job when this pipeline makes it. */
export function deployJob(
  target: SpackTarget | CustomTarget,
  afterSif: readonly CiNeed[],
  settings: WorkflowSettings,
): CiJob {
  const deploy = settings.arch.deploy!;
  const file = target.sifKey.slice(target.sifKey.lastIndexOf("/") + 1);
  return {
    stage: "deploy",
    image: { name: deploy.image ?? settings.singularitahImage, entrypoint: [""] },
    tags: [...deploy.runnerTags],
    variables: { ...settings.arch.proxyVariables, ...bucketVariables(settings.arch) },
    needs: afterSif,
    ...steppedScript([
      {
        name: "deploy",
        title: `Copy ${file} to ${deploy.path}`,
        lines: [
          `sh ${SIF_STORE_SCRIPT} fetch ${shellQuote(sifUrl(settings.arch, target))} ${shellQuote(`${deploy.path.replace(/\/+$/, "")}/${file}`)}`,
        ],
      },
    ]),
    timeout: "1h",
  };
}
