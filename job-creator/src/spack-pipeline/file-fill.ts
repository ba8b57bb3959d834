import type { CiLimits } from "../../../common/src/ci/limits.js";

/** What one child file may hold. */
export interface FileBudget {
  readonly limits: CiLimits;
  /** Rendered size of each hidden template, counted once per file that holds it. */
  readonly templateBytes: ReadonlyMap<string, number>;
  /** Bytes kept for the header, `stages:` and the like. */
  readonly overhead: number;
}

interface Fillable {
  readonly bytes: number;
  readonly templates: readonly string[];
}

/** One child file being filled: its jobs (by index) within the byte, job and needs budgets. */
export class FileFill {
  readonly members: number[] = [];
  private bytes: number;
  private readonly templates = new Set<string>();

  constructor(private readonly budget: FileBudget) {
    this.bytes = budget.overhead;
  }

  get size(): number {
    return this.members.length;
  }

  /** Adds the job if it fits; `needsInFile` is how many of its dependencies this file holds. */
  tryAdd(job: Fillable, index: number, needsInFile: number): boolean {
    if (!this.fits(job, needsInFile)) return false;
    this.members.push(index);
    this.bytes += this.added(job);
    for (const t of job.templates) this.templates.add(t);
    return true;
  }

  /** True when every one of the jobs fits alongside the others. */
  fitsAll(jobs: readonly { readonly job: Fillable; readonly needsInFile: number }[]): boolean {
    const { limits } = this.budget;
    const templates = new Set(this.templates);
    let bytes = this.bytes;
    for (const { job, needsInFile } of jobs) {
      if (needsInFile > limits.maxNeedsPerJob - 1) return false;
      bytes += job.bytes;
      for (const t of job.templates)
        if (!templates.has(t)) {
          templates.add(t);
          bytes += this.budget.templateBytes.get(t) ?? 0;
        }
    }
    return (
      this.members.length + jobs.length <= limits.maxJobsPerFile && bytes <= limits.maxFileBytes
    );
  }

  fits(job: Fillable, needsInFile: number): boolean {
    const { limits } = this.budget;
    return (
      this.members.length + 1 <= limits.maxJobsPerFile &&
      this.bytes + this.added(job) <= limits.maxFileBytes &&
      needsInFile <= limits.maxNeedsPerJob - 1
    );
  }

  private added(job: Fillable): number {
    let bytes = job.bytes;
    for (const t of job.templates)
      if (!this.templates.has(t)) bytes += this.budget.templateBytes.get(t) ?? 0;
    return bytes;
  }
}
