import equal from "fast-deep-equal";
import { isJobKey } from "../../../common/src/ci/types.js";
import { isMapping, text } from "../../../common/src/mapping.js";
import type { Problem } from "../../../common/src/errors.js";
import {
  CLEANUP_JOB,
  COPY_JOB,
  NO_SPECS_TO_REBUILD_JOB,
  REBUILD_INDEX_JOB,
  SIGN_PKGS_JOB,
} from "../spack/names.js";
import type { RebuildJob, ServiceJob, SpackOutput } from "./types.js";

const SERVICE_JOBS = new Set([
  REBUILD_INDEX_JOB,
  NO_SPECS_TO_REBUILD_JOB,
  CLEANUP_JOB,
  SIGN_PKGS_JOB,
  COPY_JOB,
]);
const STAGE = /^stage-(\d+)$/;

/**
 * Reads one parsed `spack ci generate` file. Works on every release in the fixtures:
 * job names changed between v0.20, v0.21-0.23 and v1.0, so jobs are identified by
 * `SPACK_JOB_SPEC_DAG_HASH`, and stage numbers compare as numbers.
 */
export function parseSpackOutput(
  doc: unknown,
  file: string,
  container: string,
  problems: Problem[],
  lines: ReadonlyMap<string, number> = new Map(),
): SpackOutput | undefined {
  if (!isMapping(doc)) {
    problems.push({
      file,
      message: "not a pipeline: expected a mapping of jobs (is this `spack ci generate` output?)",
    });
    return undefined;
  }
  const rebuildJobs: RebuildJob[] = [];
  const serviceJobs: ServiceJob[] = [];
  const hashByName = new Map<string, string>();
  const interned = new Map<string, unknown[]>();
  const entries = Object.entries(doc).filter(([name]) => isJobKey(name));
  for (const [name, job] of entries) {
    if (!isMapping(job)) {
      problems.push({ file, path: name, message: "expected a job mapping" });
      continue;
    }
    if (SERVICE_JOBS.has(name)) {
      serviceJobs.push({
        name,
        job: detached(job),
        ...(typeof job["stage"] === "string" ? { stage: job["stage"] } : {}),
      });
      continue;
    }
    const hash = isMapping(job["variables"])
      ? job["variables"]["SPACK_JOB_SPEC_DAG_HASH"]
      : undefined;
    if (typeof hash !== "string" || hash === "") {
      problems.push({
        file,
        path: name,
        message: "job has no SPACK_JOB_SPEC_DAG_HASH variable: this is not a spack rebuild job",
      });
      continue;
    }
    hashByName.set(name, detached(hash));
  }
  for (const [name, hash] of hashByName) {
    const job = doc[name] as Record<string, unknown>;
    const stage = STAGE.exec(text(job["stage"]));
    if (!stage) {
      problems.push({
        file,
        path: name,
        message: `stage ${JSON.stringify(job["stage"] ?? null)} is not "stage-N": cannot order this job`,
      });
      continue;
    }
    rebuildJobs.push({
      name,
      hash,
      stage: Number(stage[1]),
      dependencies: localDependencies(job["needs"], hashByName),
      job: shareValues(job, interned),
      where: lines.has(name) ? `${file}:${lines.get(name)}` : file,
    });
  }
  if (rebuildJobs.length === 0 && serviceJobs.length === 0 && problems.length === 0) {
    problems.push({
      file,
      message: "no jobs: expected spack's rebuild jobs or its no-specs-to-rebuild job",
    });
  }
  return {
    container,
    file,
    rebuildJobs,
    serviceJobs,
    variables: isMapping(doc["variables"]) ? detached(doc["variables"]) : {},
  };
}

/** The rebuild jobs a job needs in the same file; `{job, pipeline}` needs on the generate job are dropped. */
function localDependencies(needs: unknown, hashByName: ReadonlyMap<string, string>): string[] {
  if (!Array.isArray(needs)) return [];
  const hashes: string[] = [];
  for (const need of needs) {
    const target =
      typeof need === "string"
        ? need
        : isMapping(need) && !("pipeline" in need)
          ? need["job"]
          : undefined;
    const hash = typeof target === "string" ? hashByName.get(target) : undefined;
    if (hash) hashes.push(hash);
  }
  return hashes;
}

/**
 * A copy made of new strings. A YAML parser's strings are slices of the file's text, and
 * V8 keeps the whole text alive while one slice lives: keeping a few jobs of each file
 * would otherwise keep every file in memory.
 */
function detached<T>(value: T): T {
  return structuredClone(value);
}

/** Keys whose values differ per job; every other value is usually the same in every job. */
const PER_JOB_KEYS = new Set(["variables"]);
/** Read into RebuildJob fields and replaced when the job is rewritten: not kept. */
const CONSUMED_KEYS = new Set(["needs", "stage"]);

/** How many distinct values of one key a file's jobs share; further ones are each job's own. */
const MAX_SHARED_PER_KEY = 8;

/**
 * Drops what is consumed (needs, stage) and replaces values that many jobs of a file repeat
 * (script, image, tags, artifacts, retry) with one shared copy, as spack >= 0.22.3 itself
 * does with anchors: tens of thousands of jobs then hold one script list, not one each.
 * A value is matched against the few kept for its key by comparing, not by serialising it
 * (six times faster on a script list). Shared values are never changed in place.
 */
function shareValues(
  job: Record<string, unknown>,
  interned: Map<string, unknown[]>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(job)) {
    if (CONSUMED_KEYS.has(key)) continue;
    if (PER_JOB_KEYS.has(key) || value === null || typeof value !== "object") {
      result[key] = detached(value);
      continue;
    }
    let kept = interned.get(key);
    if (!kept) interned.set(key, (kept = []));
    const shared = kept.find((candidate) => equal(candidate, value));
    if (shared !== undefined) result[key] = shared;
    else {
      result[key] = detached(value);
      if (kept.length < MAX_SHARED_PER_KEY) kept.push(result[key]);
    }
  }
  return result;
}

/**
 * The line of each top-level key of a YAML text (a job name and its colon alone on a line,
 * as Spack writes them), so that messages can point into a file js-yaml parsed. Pure.
 */
export function topLevelKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const pattern = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"-][^#]*?):\s*(?:#.*)?$/;
  // Only lines that start in column 1 can hold a top-level key: skip the rest unread.
  for (let start = 0, line = 1; start < text.length; line++) {
    const end = text.indexOf("\n", start);
    const stop = end < 0 ? text.length : end;
    const first = text.charCodeAt(start);
    if (stop > start && first !== 32 && first !== 9 && first !== 45 && first !== 35) {
      const match = pattern.exec(text.slice(start, stop).replace(/\r$/, ""));
      if (match) {
        const key = match[1]!;
        const name = key.startsWith('"')
          ? (JSON.parse(key) as string)
          : key.startsWith("'")
            ? key.slice(1, -1).replace(/''/g, "'")
            : key;
        if (!lines.has(name)) lines.set(name, line);
      }
    }
    start = stop + 1;
  }
  return lines;
}
