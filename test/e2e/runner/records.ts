import type { JobRecord, PipelineRecord } from "./pipeline-runner.js";

/* What a run left, read back: every job of a pipeline and the pipelines it triggered. */

export function allJobs(pipeline: PipelineRecord): { pipeline: PipelineRecord; job: JobRecord }[] {
  return pipeline.jobs.flatMap((job) => [
    { pipeline, job },
    ...(job.downstream ? allJobs(job.downstream) : []),
  ]);
}

/** One line per job: pipeline id, status, name. */
export function report(pipeline: PipelineRecord): string {
  return allJobs(pipeline)
    .map(
      ({ pipeline: p, job }) =>
        `${p.id} ${job.status.padEnd(7)} ${job.name}` +
        (job.retriedAfter ? ` (run again after "${job.retriedAfter}")` : ""),
    )
    .join("\n");
}

/** The last lines of every failed job's log; "" when none failed. */
export function failures(pipeline: PipelineRecord): string {
  return allJobs(pipeline)
    .filter(({ job }) => job.status === "failed")
    .map(({ job }) => `--- ${job.name}\n${job.output.slice(-4000)}`)
    .join("\n");
}

/** The names of the jobs that ended with `status`. */
export const jobNames = (pipeline: PipelineRecord, status = "success") =>
  allJobs(pipeline)
    .filter(({ job }) => job.status === status)
    .map(({ job }) => job.name);
