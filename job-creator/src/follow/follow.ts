import { setTimeout as delay } from "node:timers/promises";
import type {
  LiveJob,
  LivePipeline,
  LivePipelinesApi,
  PipelineRef,
} from "../gitlab/pipelines-api.js";
import { advanceLog, isFinished, LOG_START, type LogTail } from "./log-tail.js";
import type { FollowReport } from "./render.js";

export interface FollowOptions {
  /** Between two looks at the pipelines. */
  readonly intervalMs: number;
  /** Aborted (Ctrl-C): stop following; the pipeline goes on. */
  readonly signal: AbortSignal;
}

/** How following ended: the pipeline's last state, and whether it ended or we stopped. */
export interface FollowEnd {
  readonly pipeline: LivePipeline;
  readonly stopped: boolean;
}

/** What the follower remembers of a job between two looks. */
interface JobState {
  status: string;
  tail: LogTail;
  /** Its log is followed: it had not finished when first seen, and its end is not printed yet. */
  logging: boolean;
}

/** Statuses whose job has a log to read. */
const STARTED = new Set(["running", "success", "failed", "canceled"]);

/**
 * Follows a pipeline and every pipeline its bridges start (and theirs): reports each job's
 * status changes and the new lines of the logs of jobs that run while it watches, until the
 * followed pipeline ends or `signal` stops it. Jobs that had ended before are reported by
 * status only.
 */
export async function followPipeline(
  root: PipelineRef,
  api: LivePipelinesApi,
  report: FollowReport,
  options: FollowOptions,
): Promise<FollowEnd> {
  const pipelines: { ref: PipelineRef; label: string }[] = [];
  const seen = new Set<string>();
  const jobs = new Map<number, JobState>();
  const join = async (ref: PipelineRef, label: string, known?: LivePipeline) => {
    const key = `${ref.projectId}/${ref.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    pipelines.push({ ref, label });
    report.pipeline(label, known ?? (await api.pipeline(ref)));
  };
  for (;;) {
    const top = await api.pipeline(root);
    await join(root, "followed", top);
    // A child found in this pass is read in this pass too: the list grows as it is walked.
    for (let i = 0; i < pipelines.length; i++) {
      const { ref } = pipelines[i]!;
      const [list, bridges] = await Promise.all([api.jobs(ref), api.bridges(ref)]);
      for (const job of list) await followJob(ref, job, jobs, api, report);
      for (const bridge of bridges)
        if (bridge.downstream) await join(bridge.downstream, bridge.name);
    }
    if (isFinished(top.status)) {
      report.end(top);
      return { pipeline: top, stopped: false };
    }
    await delay(options.intervalMs, undefined, { signal: options.signal }).catch(() => {});
    if (options.signal.aborted) {
      report.end(top, `interrupted while pipeline ${top.id} was ${top.status}`);
      return { pipeline: top, stopped: true };
    }
  }
}

async function followJob(
  pipeline: PipelineRef,
  job: LiveJob,
  jobs: Map<number, JobState>,
  api: LivePipelinesApi,
  report: FollowReport,
): Promise<void> {
  let state = jobs.get(job.id);
  const changed = state?.status !== job.status;
  if (!state) {
    state = { status: job.status, tail: LOG_START, logging: !isFinished(job.status) };
    jobs.set(job.id, state);
  }
  const finished = isFinished(job.status);
  // A starting job's status comes before its first lines, an ending job's after its last.
  if (changed && !finished) report.status(job);
  if (state.logging && STARTED.has(job.status)) {
    const log = await api.trace(pipeline.projectId, job.id);
    const { lines, tail } = advanceLog(state.tail, log, finished);
    if (lines.length > 0) report.log(job, lines);
    state.tail = tail;
  }
  if (finished) state.logging = false;
  if (changed && finished) report.status(job);
  state.status = job.status;
}
