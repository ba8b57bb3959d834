/**
 * The subset of GitLab CI/CD YAML that we read and write. Keys stay in wire format
 * (`before_script`, `allow_failure`), so spack's output needs no conversion layer.
 * @see https://docs.gitlab.com/ee/ci/yaml/
 */

/** @see https://docs.gitlab.com/ee/ci/yaml/#image */
export type CiImage =
  | string
  | {
      readonly name: string;
      readonly entrypoint?: readonly string[];
      readonly pull_policy?: string | readonly string[];
    };

/** @see https://docs.gitlab.com/ee/ci/yaml/#needs */
export type CiNeed =
  | string
  | { readonly job: string; readonly artifacts?: boolean; readonly optional?: boolean }
  | { readonly pipeline: string; readonly job: string; readonly artifacts?: boolean };

/** Variable values GitLab accepts: strings, numbers, booleans, or the expanded form. */
export type CiVariableValue =
  | string
  | number
  | boolean
  | { readonly value: string; readonly description?: string; readonly expand?: boolean };
export type CiVariables = Readonly<Record<string, CiVariableValue>>;

/** @see https://docs.gitlab.com/ee/ci/yaml/#rules */
export interface CiRule {
  readonly if?: string;
  readonly exists?: readonly string[];
  readonly changes?: readonly string[];
  readonly when?: "always" | "never" | "on_success" | "manual" | "delayed" | "on_failure";
  readonly allow_failure?: boolean;
  readonly variables?: CiVariables;
}

/** @see https://docs.gitlab.com/ee/ci/yaml/#artifacts */
export interface CiArtifacts {
  readonly paths?: readonly string[];
  readonly exclude?: readonly string[];
  readonly when?: "always" | "on_success" | "on_failure";
  readonly expire_in?: string;
  readonly reports?: Readonly<Record<string, string | readonly string[]>>;
}

/** A job that runs a script. */
export interface CiJob {
  readonly stage?: string;
  readonly image?: CiImage;
  readonly tags?: readonly string[];
  readonly variables?: CiVariables;
  readonly before_script?: readonly string[];
  readonly script: readonly string[];
  readonly after_script?: readonly string[];
  readonly needs?: readonly CiNeed[];
  readonly artifacts?: CiArtifacts;
  readonly rules?: readonly CiRule[];
  readonly timeout?: string;
  readonly allow_failure?: boolean | { readonly exit_codes: number | readonly number[] };
  readonly retry?: number | { readonly max?: number; readonly when?: readonly string[] };
  readonly when?: string;
  readonly interruptible?: boolean;
  readonly resource_group?: string;
  readonly cache?: unknown;
  readonly dependencies?: readonly string[];
}

/** @see https://docs.gitlab.com/ee/ci/yaml/#trigger */
export interface CiTrigger {
  readonly include: readonly (
    { readonly artifact: string; readonly job: string } | { readonly local: string }
  )[];
  readonly strategy?: "depend";
  readonly forward?: { readonly yaml_variables?: boolean; readonly pipeline_variables?: boolean };
}

/** A trigger (bridge) job: GitLab allows only these keys on it. */
export interface CiBridge {
  readonly stage?: string;
  readonly trigger: CiTrigger;
  readonly needs?: readonly CiNeed[];
  readonly variables?: CiVariables;
  readonly rules?: readonly CiRule[];
  readonly allow_failure?: boolean;
  readonly when?: string;
  readonly resource_group?: string;
}

/**
 * A job that takes the keys it shares with others from hidden templates (`extends:`);
 * its own keys win, hashes such as `variables` merged key by key.
 * @see https://docs.gitlab.com/ee/ci/yaml/#extends
 */
export interface CiExtendingJob extends Partial<CiJob> {
  readonly extends: string | readonly string[];
}

/** A hidden template (a `.name` key): never runs, only lends its keys through `extends:`. */
export type CiTemplate = Partial<CiJob> & { readonly extends?: string | readonly string[] };

export type CiEntry = CiJob | CiBridge | CiExtendingJob;

/** One pipeline file. */
export interface CiPipeline {
  readonly stages?: readonly string[];
  readonly variables?: CiVariables;
  readonly workflow?: { readonly rules?: readonly CiRule[]; readonly name?: string };
  readonly default?: Readonly<Record<string, unknown>>;
  /** Hidden templates by name (each starts with a dot), written before the jobs. */
  readonly templates?: Readonly<Record<string, CiTemplate>>;
  readonly jobs: Readonly<Record<string, CiEntry>>;
}

export function isBridge(entry: CiEntry): entry is CiBridge {
  return "trigger" in entry;
}

/** The job a need points at, or undefined for a cross-pipeline `{pipeline, job}` need. */
export function localNeedTarget(need: CiNeed): string | undefined {
  if (typeof need === "string") return need;
  return "pipeline" in need ? undefined : need.job;
}

/** Top-level keywords of a pipeline file: never jobs. (GitLab's reserved job names are exactly these.) */
const TOP_LEVEL_KEYWORDS = new Set([
  "image",
  "services",
  "stages",
  "before_script",
  "after_script",
  "variables",
  "cache",
  "include",
  "default",
  "workflow",
  "spec",
]);

/** True for a top-level key of a pipeline file that names a job (not a keyword or a hidden `.template`). */
export function isJobKey(key: string): boolean {
  return !TOP_LEVEL_KEYWORDS.has(key) && !key.startsWith(".");
}
