/** A job as spack wrote it: wire-format keys, not yet rewritten for our pipeline. */
export type RawJob = Readonly<Record<string, unknown>>;

/** One rebuild job of one container's `spack ci generate` output. */
export interface RebuildJob {
  readonly name: string;
  /** `SPACK_JOB_SPEC_DAG_HASH`: what identifies a spec across files (names are a display format). */
  readonly hash: string;
  /** The number N of spack's `stage-N`. */
  readonly stage: number;
  /** DAG hashes of the rebuild jobs this one needs, in this file. */
  readonly dependencies: readonly string[];
  readonly job: RawJob;
  /** `file:line` of the job in spack's output, for messages. */
  readonly where: string;
}

/** The service jobs spack writes besides rebuild jobs. */
export interface ServiceJob {
  readonly name: string;
  readonly stage?: string;
  readonly job: RawJob;
}

/** One container's `spack ci generate` output, parsed. */
export interface SpackOutput {
  readonly container: string;
  readonly file: string;
  readonly rebuildJobs: readonly RebuildJob[];
  readonly serviceJobs: readonly ServiceJob[];
  /** The file's global `variables:` (SPACK_CONCRETE_ENV_DIR and friends differ per container). */
  readonly variables: Readonly<Record<string, unknown>>;
}
