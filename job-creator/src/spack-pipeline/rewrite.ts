import { steppedScript } from "../../../common/src/ci/steps.js";
import type { CiImage, CiJob, CiNeed, CiVariableValue } from "../../../common/src/ci/types.js";
import { isMapping } from "../../../common/src/mapping.js";
import type { RebuildSigning } from "../pipeline/signing.js";
import type { RawJob } from "./types.js";

/** What the configuration puts on every job of the processed spack pipeline of one arch. */
export interface RewriteSettings {
  readonly tags: readonly string[];
  /** Arch variables and proxy: defaults that spack's own job variables may override. */
  readonly defaultVariables: Readonly<Record<string, string>>;
  /** Credentials by CI variable name: always win. */
  readonly forcedVariables: Readonly<Record<string, string>>;
  readonly timeout: string;
  readonly imagePullPolicy: string;
  /** The `needs` entry that fetches a container's concrete environment from its generate job. */
  readonly generateNeed: (container: string) => CiNeed;
  /** What a signed cache adds to the rebuild jobs (not to the service jobs). */
  readonly signing?: RebuildSigning;
}

/**
 * Rewrites a spack job for our pipeline (stage and needs are assigned later), from the configuration: runner tags, variables
 * (the container file's globals first, so merged jobs keep their own concrete environment),
 * timeout and image pull policy. Returns a new object: spack's aliased nodes are shared
 * between jobs, so nothing is changed in place.
 */
export function rewriteSpackJob(
  job: RawJob,
  fileVariables: Readonly<Record<string, unknown>>,
  settings: RewriteSettings,
): CiJob {
  const { needs: _needs, stage: _stage, tags: _tags, ...rest } = job;
  const rewritten: Record<string, unknown> = {
    ...rest,
    tags: [...settings.tags],
    variables: {
      ...settings.defaultVariables,
      ...gitlabVariables(fileVariables),
      ...gitlabVariables(job["variables"]),
      ...settings.forcedVariables,
    },
    timeout: settings.timeout,
  };
  if (job["image"] !== undefined)
    rewritten["image"] = withPullPolicy(job["image"] as CiImage, settings.imagePullPolicy);
  // Spack's other keys pass through as they are: the one place its untyped output becomes a CiJob.
  return rewritten as unknown as CiJob;
}

/**
 * A rebuild job of a signed cache: Spack's signing variables win over any of the job's, and
 * the key's presence is checked before anything else runs.
 */
export function withSigning(job: CiJob, signing: RebuildSigning | undefined): CiJob {
  if (!signing) return job;
  return {
    ...job,
    variables: { ...job.variables, ...signing.variables },
    before_script: [signing.check, ...(job.before_script ?? [])],
  };
}

/**
 * A rebuild job's script as labelled steps, as every job jc writes: Spack's setup (and the
 * signing check), then Spack's own script; a failure ends the log naming the job (Spack's
 * job names hold the spec and its target). Spack's own after_script, if any, runs first.
 */
export function withSteps(job: CiJob): CiJob {
  const { before_script: setup, script, after_script: spackAfter, ...rest } = job;
  const stepped = steppedScript(
    "$CI_JOB_NAME",
    [
      ...(setup && setup.length > 0
        ? [{ name: "setup", title: "Set up Spack", lines: setup, collapsed: true }]
        : []),
      {
        name: "rebuild",
        title: "Build the spec and push it to the build cache (spack ci rebuild)",
        lines: script,
      },
    ],
    { subjectHasVariables: true },
  );
  return {
    ...rest,
    script: stepped.script,
    after_script: [...(spackAfter ?? []), ...(stepped.after_script ?? [])],
  };
}

/**
 * GitLab accepts strings, numbers and booleans (or `{value, …}`) as variable values; spack
 * v0.21 writes `SPACK_REMOTE_MIRROR_URL: null`, which the schema rejects, so such entries go.
 */
export function gitlabVariables(variables: unknown): Record<string, CiVariableValue> {
  if (!isMapping(variables)) return {};
  const result: Record<string, CiVariableValue> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      result[name] = value;
    else if (isMapping(value) && typeof value["value"] === "string")
      result[name] = value as { value: string };
  }
  return result;
}

function withPullPolicy(image: CiImage, policy: string): CiImage {
  return typeof image === "string"
    ? { name: image, pull_policy: policy }
    : { ...image, pull_policy: policy };
}
