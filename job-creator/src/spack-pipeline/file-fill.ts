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

  /** Adds the job if it fits; `needsInFile` is how many of its dependencies this file holds. */
  tryAdd(job: Fillable, index: number, needsInFile: number): boolean {
    const { limits } = this.budget;
    // Called once per job and candidate split: no copy of the held templates.
    const bytes = this.addedBytes(job, this.templates);
    if (
      needsInFile > limits.maxNeedsPerJob - 1 ||
      this.members.length >= limits.maxJobsPerFile ||
      this.bytes + bytes > limits.maxFileBytes
    )
      return false;
    this.members.push(index);
    this.bytes += bytes;
    for (const t of job.templates) this.templates.add(t);
    return true;
  }

  /** True when every one of the jobs fits alongside the others and those already here. */
  fitsAll(jobs: readonly { readonly job: Fillable; readonly needsInFile: number }[]): boolean {
    const { limits } = this.budget;
    const templates = new Set(this.templates);
    let bytes = this.bytes;
    for (const { job, needsInFile } of jobs) {
      if (needsInFile > limits.maxNeedsPerJob - 1) return false;
      bytes += this.addedBytes(job, templates);
      for (const t of job.templates) templates.add(t);
    }
    return (
      this.members.length + jobs.length <= limits.maxJobsPerFile && bytes <= limits.maxFileBytes
    );
  }

  /** The bytes a job adds to a file holding `held` templates: its own and its new templates'. */
  private addedBytes(job: Fillable, held: ReadonlySet<string>): number {
    let bytes = job.bytes;
    for (const t of job.templates) if (!held.has(t)) bytes += this.budget.templateBytes.get(t) ?? 0;
    return bytes;
  }
}
