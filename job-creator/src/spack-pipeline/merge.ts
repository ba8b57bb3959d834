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
  /** `file:line` of the kept copy in spack's output. */
  readonly where: string;
  /** Global variables of the container's file (its SPACK_CONCRETE_ENV_DIR, SPACK_ARTIFACTS_ROOT, …). */
  readonly fileVariables: Readonly<Record<string, unknown>>;
}

export interface MergedPipeline {
  /** Ordered by level, then by name. */
  readonly jobs: readonly MergedJob[];
  readonly services: readonly (ServiceJob & {
    readonly container: string;
    readonly fileVariables: Readonly<Record<string, unknown>>;
  })[];
  readonly jobsIn: number;
  readonly duplicatesRemoved: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The copy of a spec kept so far; it holds no reference to its file's other jobs, which can go. */
interface Candidate {
  readonly job: SpackOutput["rebuildJobs"][number];
  readonly container: string;
  readonly fileVariables: Readonly<Record<string, unknown>>;
  readonly deps: Set<string>;
}

/**
 * Merges the outputs of every container of one arch, one file at a time so that only one
 * copy of each spec stays in memory: one job per DAG hash (the copy from the earliest spack
 * stage, then the first container by name, whatever the order of the files), the union of
 * its dependencies, and levels computed on the merged graph, so every job comes after every
 * rebuild job it depends on.
 */
export class SpackMerge {
  private readonly chosen = new Map<string, Candidate>();
  private readonly hashOfName = new Map<string, { hash: string; file: string }>();
  private readonly services = new Map<string, MergedPipeline["services"][number]>();
  private readonly problems: Problem[] = [];
  private jobsIn = 0;

  add(output: SpackOutput): void {
    for (const job of output.rebuildJobs) {
      this.jobsIn++;
      const sameName = this.hashOfName.get(job.name);
      if (sameName && sameName.hash !== job.hash) {
        this.problems.push({
          file: output.file,
          path: job.name,
          message: `conflicts with the job of the same name in ${sameName.file}, which builds ${sameName.hash}, not ${job.hash}`,
        });
        continue;
      }
      this.hashOfName.set(job.name, { hash: job.hash, file: output.file });
      const existing = this.chosen.get(job.hash);
      const candidate = { job, container: output.container, fileVariables: output.variables };
      if (!existing) {
        this.chosen.set(job.hash, { ...candidate, deps: new Set(job.dependencies) });
        continue;
      }
      for (const dep of job.dependencies) existing.deps.add(dep);
      const earlier =
        job.stage - existing.job.stage || byText(output.container, existing.container);
      if (earlier < 0) this.chosen.set(job.hash, { ...candidate, deps: existing.deps });
    }
    for (const service of output.serviceJobs) {
      const existing = this.services.get(service.name);
      if (!existing || byText(output.container, existing.container) < 0) {
        this.services.set(service.name, {
          ...service,
          container: output.container,
          fileVariables: output.variables,
        });
      }
    }
  }

  result(): MergedPipeline {
    if (this.problems.length > 0) throw new InputError(this.problems);
    const graph = new Map([...this.chosen].map(([hash, c]) => [hash, [...c.deps]]));
    const levels = computeLevels(graph, (hash) => {
      const job = this.chosen.get(hash)?.job;
      return job ? `${job.where}: ${job.name}` : hash;
    });
    const jobs: MergedJob[] = [...this.chosen].map(
      ([hash, { job, container, fileVariables, deps }]) => ({
        hash,
        name: job.name,
        container,
        dependencies: [...deps].sort(byText),
        level: levels.get(hash)!,
        job: job.job,
        where: job.where,
        fileVariables,
      }),
    );
    jobs.sort((a, b) => a.level - b.level || byText(a.name, b.name));
    const services = [...this.services.values()].sort((a, b) => byText(a.name, b.name));
    return { jobs, services, jobsIn: this.jobsIn, duplicatesRemoved: this.jobsIn - jobs.length };
  }
}

/** Merges outputs already in memory (see SpackMerge). */
export function mergeSpackOutputs(outputs: readonly SpackOutput[]): MergedPipeline {
  const merge = new SpackMerge();
  for (const output of outputs) merge.add(output);
  return merge.result();
}

/**
 * Longest-path levels of a DAG given as hash -> dependency hashes; a cycle is bad input,
 * reported with every job on it (`describe` says where each stands).
 */
export function computeLevels(
  graph: ReadonlyMap<string, readonly string[]>,
  describe: (hash: string) => string = (hash) => hash,
): Map<string, number> {
  const levels = new Map<string, number>();
  const path: string[] = [];
  const visit = (hash: string): number => {
    const known = levels.get(hash);
    if (known !== undefined) return known;
    const at = path.indexOf(hash);
    if (at >= 0) {
      const cycle = [...path.slice(at), hash].map((h) => `  ${describe(h)}`);
      throw new InputError(
        `the rebuild jobs depend on each other in a cycle:\n${cycle.join("\n  needs\n")}`,
      );
    }
    path.push(hash);
    let level = 0;
    for (const dep of graph.get(hash) ?? [])
      if (graph.has(dep)) level = Math.max(level, visit(dep) + 1);
    path.pop();
    levels.set(hash, level);
    return level;
  };
  for (const hash of graph.keys()) visit(hash);
  return levels;
}
