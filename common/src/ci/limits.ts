import { isMapping, text } from "../mapping.js";
import { resolveExtends } from "./extends.js";
import { isJobKey } from "./types.js";

/** The GitLab limits a generated file must respect; see GITLAB-LIMITS in the README. */
export interface CiLimits {
  readonly maxFileBytes: number;
  readonly maxJobsPerFile: number;
  readonly maxNeedsPerJob: number;
  readonly maxJobNameLength: number;
}

export const GITLAB_DEFAULT_LIMITS: CiLimits = {
  maxFileBytes: 500_000,
  maxJobsPerFile: 500,
  maxNeedsPerJob: 50,
  maxJobNameLength: 255,
};

/** GitLab refuses longer names as `needs` targets. */
const MAX_NEEDED_NAME_LENGTH = 128;
const MAX_TRIGGER_INCLUDES = 3;
const MAX_TAGS = 49;
/** @see https://docs.gitlab.com/ee/ci/yaml/#trigger (keywords allowed on trigger jobs) */
const BRIDGE_KEYS = new Set([
  "allow_failure",
  "extends",
  "needs",
  "only",
  "except",
  "parallel",
  "rules",
  "stage",
  "trigger",
  "variables",
  "when",
  "resource_group",
  "environment",
  "inherit",
]);
const DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"];

/**
 * Checks what GitLab's schema does not: limits, bridge keys, `needs` targets and stage order.
 * Takes the parsed file (any pipeline file, generated or not) and its size on disk.
 */
export function checkCiLimits(
  doc: Record<string, unknown>,
  bytes: number,
  limits: CiLimits,
): string[] {
  const problems: string[] = [];
  if (bytes > limits.maxFileBytes) {
    problems.push(
      `file is ${bytes} bytes, over the budget of ${limits.maxFileBytes} (GitLab measures its parsed size against max_yaml_size_bytes)`,
    );
  }
  const stages = Array.isArray(doc["stages"])
    ? [".pre", ...(doc["stages"] as string[]), ".post"]
    : DEFAULT_STAGES;
  // Jobs as GitLab sees them: with what they take from templates through `extends:`.
  const jobs: [string, Record<string, unknown>][] = [];
  for (const [name, value] of Object.entries(doc)) {
    if (!isJobKey(name) || !isMapping(value)) continue;
    try {
      jobs.push([name, resolveExtends(doc, value)]);
    } catch (error) {
      problems.push(`job "${name.slice(0, 80)}": ${(error as Error).message}`);
    }
  }
  if (jobs.length > limits.maxJobsPerFile)
    problems.push(`${jobs.length} jobs, over the limit of ${limits.maxJobsPerFile} per file`);
  const stageOf = new Map(jobs.map(([name, job]) => [name, text(job["stage"]) || "test"]));
  for (const [name, value] of jobs) {
    problems.push(...checkJob(name, value, stages, stageOf, limits));
  }
  return problems;
}

function checkJob(
  name: string,
  job: Record<string, unknown>,
  stages: readonly string[],
  stageOf: ReadonlyMap<string, string>,
  limits: CiLimits,
): string[] {
  const problems: string[] = [];
  const at = `job "${name.length > 80 ? name.slice(0, 77) + "..." : name}"`;
  if (name.length > limits.maxJobNameLength)
    problems.push(`${at}: name is ${name.length} characters, over ${limits.maxJobNameLength}`);
  const stage = stageOf.get(name)!;
  if (!stages.includes(stage)) problems.push(`${at}: stage "${stage}" is not declared in stages:`);
  if (Array.isArray(job["tags"]) && job["tags"].length > MAX_TAGS)
    problems.push(`${at}: ${job["tags"].length} tags, GitLab allows fewer than 50`);
  if ("trigger" in job) problems.push(...checkBridge(at, job));
  const needs = Array.isArray(job["needs"]) ? (job["needs"] as unknown[]) : [];
  if (needs.length > limits.maxNeedsPerJob)
    problems.push(`${at}: ${needs.length} needs, over the limit of ${limits.maxNeedsPerJob}`);
  for (const need of needs) {
    const target =
      typeof need === "string"
        ? need
        : isMapping(need) && !("pipeline" in need) && !("project" in need)
          ? String(need["job"])
          : undefined;
    if (target === undefined) continue;
    const optional = isMapping(need) && need["optional"] === true;
    const targetStage = stageOf.get(target);
    if (targetStage === undefined) {
      if (!optional) problems.push(`${at}: needs "${target}", which is not a job of this file`);
      continue;
    }
    if (target.length > MAX_NEEDED_NAME_LENGTH)
      problems.push(
        `${at}: needs "${target.slice(0, 40)}...", whose name is over ${MAX_NEEDED_NAME_LENGTH} characters`,
      );
    if (stages.indexOf(targetStage) > stages.indexOf(stage))
      problems.push(`${at}: needs "${target}" of the later stage "${targetStage}"`);
  }
  return problems;
}

function checkBridge(at: string, job: Record<string, unknown>): string[] {
  const problems = Object.keys(job)
    .filter((key) => !BRIDGE_KEYS.has(key))
    .map((key) => `${at}: "${key}" is not allowed on a trigger job`);
  const trigger = job["trigger"];
  const include = isMapping(trigger) ? trigger["include"] : undefined;
  if (Array.isArray(include) && include.length > MAX_TRIGGER_INCLUDES)
    problems.push(
      `${at}: ${include.length} trigger includes, GitLab allows ${MAX_TRIGGER_INCLUDES}`,
    );
  const needs = Array.isArray(job["needs"]) ? job["needs"] : [];
  if (needs.some((n) => isMapping(n) && ("pipeline" in n || "project" in n)))
    problems.push(`${at}: trigger jobs cannot use needs:pipeline or needs:project`);
  return problems;
}
