import { isMapping } from "../../../common/src/mapping.js";
import type { Problem } from "../../../common/src/errors.js";
import { CLEANUP_JOB, COPY_JOB, NO_SPECS_TO_REBUILD_JOB, REBUILD_INDEX_JOB, SIGN_PKGS_JOB } from "../spack/names.js";
import type { RebuildJob, ServiceJob, SpackOutput } from "./types.js";

const SERVICE_JOBS = new Set([REBUILD_INDEX_JOB, NO_SPECS_TO_REBUILD_JOB, CLEANUP_JOB, SIGN_PKGS_JOB, COPY_JOB]);
const TOP_LEVEL_KEYS = new Set(["stages", "variables", "workflow", "default", "include", "image", "before_script", "after_script", "cache", "services"]);
const STAGE = /^stage-(\d+)$/;

/**
 * Reads one parsed `spack ci generate` file. Works on every release in the fixtures:
 * job names changed between v0.20, v0.21-0.23 and v1.0, so jobs are identified by
 * `SPACK_JOB_SPEC_DAG_HASH`, and stage numbers compare as numbers.
 */
export function parseSpackOutput(doc: unknown, file: string, container: string, problems: Problem[]): SpackOutput | undefined {
  if (!isMapping(doc)) {
    problems.push({ file, message: "not a pipeline: expected a mapping of jobs (is this `spack ci generate` output?)" });
    return undefined;
  }
  const rebuildJobs: RebuildJob[] = [];
  const serviceJobs: ServiceJob[] = [];
  const hashByName = new Map<string, string>();
  const entries = Object.entries(doc).filter(([name]) => !TOP_LEVEL_KEYS.has(name) && !name.startsWith("."));
  for (const [name, job] of entries) {
    if (!isMapping(job)) {
      problems.push({ file, path: name, message: "expected a job mapping" });
      continue;
    }
    if (SERVICE_JOBS.has(name)) {
      serviceJobs.push({ name, job, ...(typeof job["stage"] === "string" ? { stage: job["stage"] } : {}) });
      continue;
    }
    const hash = isMapping(job["variables"]) ? job["variables"]["SPACK_JOB_SPEC_DAG_HASH"] : undefined;
    if (typeof hash !== "string" || hash === "") {
      problems.push({ file, path: name, message: "job has no SPACK_JOB_SPEC_DAG_HASH variable: this is not a spack rebuild job" });
      continue;
    }
    hashByName.set(name, hash);
  }
  for (const [name, hash] of hashByName) {
    const job = doc[name] as Record<string, unknown>;
    const stage = STAGE.exec(String(job["stage"] ?? ""));
    if (!stage) {
      problems.push({ file, path: name, message: `stage ${JSON.stringify(job["stage"] ?? null)} is not "stage-N": cannot order this job` });
      continue;
    }
    rebuildJobs.push({ name, hash, stage: Number(stage[1]), dependencies: localDependencies(job["needs"], hashByName), job });
  }
  if (rebuildJobs.length === 0 && serviceJobs.length === 0 && problems.length === 0) {
    problems.push({ file, message: "no jobs: expected spack's rebuild jobs or its no-specs-to-rebuild job" });
  }
  return { container, file, rebuildJobs, serviceJobs, variables: isMapping(doc["variables"]) ? doc["variables"] : {} };
}

/** The rebuild jobs a job needs in the same file; `{job, pipeline}` needs on the generate job are dropped. */
function localDependencies(needs: unknown, hashByName: ReadonlyMap<string, string>): string[] {
  if (!Array.isArray(needs)) return [];
  const hashes: string[] = [];
  for (const need of needs) {
    const target = typeof need === "string" ? need : isMapping(need) && !("pipeline" in need) ? need["job"] : undefined;
    const hash = typeof target === "string" ? hashByName.get(target) : undefined;
    if (hash) hashes.push(hash);
  }
  return hashes;
}
