import { InputError, type Problem } from "../../../common/src/errors.js";
import type { RawJob, ServiceJob, SpackOutput } from "./types.js";

/** One spec to rebuild, kept once however many containers need it. */
export interface MergedJob {
  readonly hash: string;
  readonly name: string;
  /** The container whose concrete environment and generate job this job uses. */
  readonly container: string;
  readonly dependencies: readonly string[];
  /** Position in the merged dependency graph: 0 for no rebuilt dependency, else 1 + the deepest one. */
  readonly level: number;
  readonly job: RawJob;
  /** Global variables of the container's file (its SPACK_CONCRETE_ENV_DIR, SPACK_ARTIFACTS_ROOT, …). */
  readonly fileVariables: Readonly<Record<string, unknown>>;
}

export interface MergedPipeline {
  /** Ordered by level, then by name. */
  readonly jobs: readonly MergedJob[];
  readonly services: readonly (ServiceJob & { readonly container: string; readonly fileVariables: Readonly<Record<string, unknown>> })[];
  readonly jobsIn: number;
  readonly duplicatesRemoved: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Merges the outputs of every container of one arch: one job per DAG hash (the copy from
 * the earliest spack stage, then the first container by name), the union of its
 * dependencies, and levels computed on the merged graph so every job comes after every
 * rebuild job it depends on.
 */
export function mergeSpackOutputs(outputs: readonly SpackOutput[]): MergedPipeline {
  const problems: Problem[] = [];
  const chosen = new Map<string, { job: SpackOutput["rebuildJobs"][number]; output: SpackOutput; deps: Set<string> }>();
  const fileOfName = new Map<string, { hash: string; file: string }>();
  let jobsIn = 0;
  const ordered = [...outputs].sort((a, b) => byText(a.container, b.container) || byText(a.file, b.file));
  for (const output of ordered) {
    for (const job of output.rebuildJobs) {
      jobsIn++;
      const sameName = fileOfName.get(job.name);
      if (sameName && sameName.hash !== job.hash) {
        problems.push({ file: output.file, path: job.name, message: `conflicts with the job of the same name in ${sameName.file}, which builds ${sameName.hash}, not ${job.hash}` });
        continue;
      }
      fileOfName.set(job.name, { hash: job.hash, file: output.file });
      const existing = chosen.get(job.hash);
      if (!existing) {
        chosen.set(job.hash, { job, output, deps: new Set(job.dependencies) });
        continue;
      }
      for (const dep of job.dependencies) existing.deps.add(dep);
      if (job.stage < existing.job.stage) chosen.set(job.hash, { job, output, deps: existing.deps });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  const levels = computeLevels(new Map([...chosen].map(([hash, c]) => [hash, [...c.deps].sort(byText)])));
  const jobs: MergedJob[] = [...chosen].map(([hash, { job, output, deps }]) => ({
    hash,
    name: job.name,
    container: output.container,
    dependencies: [...deps].sort(byText),
    level: levels.get(hash)!,
    job: job.job,
    fileVariables: output.variables,
  }));
  jobs.sort((a, b) => a.level - b.level || byText(a.name, b.name));
  const services = ordered.flatMap((o) => o.serviceJobs.map((s) => ({ ...s, container: o.container, fileVariables: o.variables })));
  return { jobs, services, jobsIn, duplicatesRemoved: jobsIn - jobs.length };
}

/** Longest-path levels of a DAG given as hash -> dependency hashes; a cycle is bad input. */
export function computeLevels(graph: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (hash: string): number => {
    const known = levels.get(hash);
    if (known !== undefined) return known;
    if (visiting.has(hash)) throw new InputError(`the rebuild jobs depend on each other in a cycle through ${hash}`);
    visiting.add(hash);
    let level = 0;
    for (const dep of graph.get(hash) ?? []) if (graph.has(dep)) level = Math.max(level, visit(dep) + 1);
    visiting.delete(hash);
    levels.set(hash, level);
    return level;
  };
  for (const hash of graph.keys()) visit(hash);
  return levels;
}
