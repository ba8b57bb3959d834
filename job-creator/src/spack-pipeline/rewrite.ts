import { steppedScript } from "../../../common/src/ci/steps.js";
import type { CiImage, CiJob, CiNeed, CiVariableValue } from "../../../common/src/ci/types.js";
import { isMapping } from "../../../common/src/mapping.js";
import { memoized } from "../../../common/src/memo.js";
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

/** What `rewriteSpackJob` makes from settings and Spack's values: made once per run where many jobs share them. */
export interface MadeValues {
  readonly tags: string[];
  readonly image: (image: CiImage) => CiImage;
  /** The variables every job of a Spack file starts from: the arch's defaults, then the file's. */
  readonly baseVariables: (
    fileVariables: Readonly<Record<string, unknown>>,
  ) => Readonly<Record<string, CiVariableValue>>;
}

const madeEachTime = (settings: RewriteSettings): MadeValues => ({
  tags: [...settings.tags],
  image: (image) => withPullPolicy(image, settings.imagePullPolicy),
  baseVariables: (fileVariables) => ({
    ...settings.defaultVariables,
    ...gitlabVariables(fileVariables),
  }),
});

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
  made: MadeValues = madeEachTime(settings),
): CiJob {
  const { needs: _needs, stage: _stage, tags: _tags, ...rest } = job;
  const rewritten: Record<string, unknown> = {
    ...rest,
    tags: made.tags,
    variables: {
      ...made.baseVariables(fileVariables),
      ...gitlabVariables(job["variables"]),
      ...settings.forcedVariables,
    },
    timeout: settings.timeout,
  };
  if (job["image"] !== undefined) rewritten["image"] = made.image(job["image"] as CiImage);
  // Spack's other keys pass through as they are: the one place its untyped output becomes a CiJob.
  return rewritten as unknown as CiJob;
}

/**
 * The rebuild jobs of one run, each as `rewriteSpackJob`, then signed and made of labelled
 * steps. The jobs of one Spack file share their script lists and image (parse.ts), so what
 * is made from them is made once and shared too: less to allocate, and the compaction finds
 * shared values equal by reference. Nothing returned is changed in place.
 */
export function rebuildJobRewriter(
  settings: RewriteSettings,
): (job: RawJob, fileVariables: Readonly<Record<string, unknown>>) => CiJob {
  const each = madeEachTime(settings);
  const made: MadeValues = {
    tags: each.tags,
    image: memoized(each.image),
    baseVariables: memoized(each.baseVariables),
  };
  const { signing } = settings;
  // Made once per file's script lists: the steps, and the spec descriptions Spack's lines name.
  const scripts = memoized(
    (setup: CiJob["before_script"], script: CiJob["script"], after: CiJob["after_script"]) => ({
      stepped: steppedScripts({
        // A signed cache's jobs check that the key is there before anything else runs.
        before_script: signing ? [signing.check, ...(setup ?? [])] : setup,
        script,
        after_script: after,
      }),
      named: descriptionsNamed([...(setup ?? []), ...script, ...(after ?? [])]),
    }),
  );
  return (job, fileVariables) => {
    const rewritten = rewriteSpackJob(job, fileVariables, settings, made);
    const { before_script: setup, script, after_script: after, ...rest } = rewritten;
    // Spack's signing variables win over any of the job's.
    const variables = signing ? { ...rest.variables, ...signing.variables } : rest.variables;
    const { stepped, named } = scripts(setup, script, after);
    return {
      ...rest,
      variables: withoutUnusedDescriptions(variables ?? {}, job["variables"], named),
      ...stepped,
    };
  };
}

/**
 * The variables `spack ci generate` writes on every rebuild job only to describe its spec:
 * `spack ci rebuild` reads the spec's name and DAG hash alone (lib/spack/spack/cmd/ci.py,
 * v0.21 to v1.0; v0.20 wrote none of these), and the job's name already gives the version,
 * compiler and target. About a sixth of a job's bytes, so of the files a pipeline needs.
 */
const SPEC_DESCRIPTIONS: ReadonlySet<string> = new Set([
  "SPACK_JOB_SPEC_PKG_VERSION",
  "SPACK_JOB_SPEC_COMPILER_NAME",
  "SPACK_JOB_SPEC_COMPILER_VERSION",
  "SPACK_JOB_SPEC_ARCH",
  "SPACK_JOB_SPEC_VARIANTS",
]);

const DESCRIPTION_PREFIX = "SPACK_JOB_SPEC_";
const DESCRIPTION_NAME = new RegExp(`${DESCRIPTION_PREFIX}[A-Z_]+`, "g");

/** Which of `SPEC_DESCRIPTIONS` the texts name (a script, a variable's value). */
export function descriptionsNamed(texts: Iterable<string>): ReadonlySet<string> {
  const named = new Set<string>();
  for (const text of texts)
    for (const [name] of text.matchAll(DESCRIPTION_NAME))
      if (SPEC_DESCRIPTIONS.has(name)) named.add(name);
  return named;
}

/**
 * A rebuild job's variables without the spec descriptions Spack wrote on it (`spackVariables`)
 * that nothing of the job uses: one stays when a script (`namedInScripts`) or another
 * variable's value names it. The configuration's own variables are never dropped.
 */
export function withoutUnusedDescriptions(
  variables: Readonly<Record<string, CiVariableValue>>,
  spackVariables: unknown,
  namedInScripts: ReadonlySet<string>,
): Readonly<Record<string, CiVariableValue>> {
  if (!isMapping(spackVariables)) return variables;
  const unused = new Set(
    [...SPEC_DESCRIPTIONS].filter(
      (name) => name in spackVariables && name in variables && !namedInScripts.has(name),
    ),
  );
  if (unused.size === 0) return variables;
  const entries = Object.entries(variables);
  // Another variable naming a description is rare: only values with the prefix are searched.
  for (const [name, value] of entries) {
    const text = typeof value === "object" ? value.value : value;
    if (!unused.has(name) && typeof text === "string" && text.includes(DESCRIPTION_PREFIX))
      for (const named of descriptionsNamed([text])) unused.delete(named);
  }
  const kept: Record<string, CiVariableValue> = {};
  for (const [name, value] of entries) if (!unused.has(name)) kept[name] = value;
  return kept;
}

/**
 * A rebuild job's script as labelled steps, as every job jc writes: Spack's setup (and the
 * signing check), then Spack's own script; a failure ends the log naming the job (Spack's
 * job names hold the spec and its target). Spack's own after_script, if any, runs first.
 */
function steppedScripts({
  before_script: setup,
  script,
  after_script: spackAfter,
}: {
  readonly before_script: readonly string[] | undefined;
  readonly script: readonly string[];
  readonly after_script: readonly string[] | undefined;
}): Pick<CiJob, "script" | "after_script"> {
  const stepped = steppedScript([
    ...(setup && setup.length > 0
      ? [{ name: "setup", title: "Set up Spack", lines: setup, collapsed: true }]
      : []),
    {
      name: "rebuild",
      title: "Build the spec and push it to the build cache (spack ci rebuild)",
      lines: script,
    },
  ]);
  return {
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
