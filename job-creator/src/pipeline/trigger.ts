import { jobCount, mermaidMarkdown, pipelineMermaid } from "../../../common/src/ci/mermaid.js";
import { shellQuote } from "../../../common/src/shell.js";
import type { CiEntry, CiJob, CiNeed, CiPipeline } from "../../../common/src/ci/types.js";
import {
  COLLECT_ARTIFACTS_JOB,
  ENTRY_PIPELINE_ID_VARIABLE,
  GATHER_ARTIFACTS_JOB,
} from "../../../common/src/job-names.js";

/** A child file the trigger pipeline starts, and the bridges (of earlier files) it waits for. */
export interface ChildFileRef {
  readonly file: string;
  readonly bridge: string;
  readonly after: readonly string[];
}

export interface TriggerSettings {
  /** Folder of the child files inside the artifacts, e.g. `spack.artifacts.amd64`. */
  readonly artifactsDir: string;
  /** What `collect artifacts` keeps of the gathered artifacts (default: all of `artifactsDir`). */
  readonly collect?: readonly string[];
  /** Variables each bridge passes on to its child pipeline, with the value it has here. */
  readonly passOn: readonly string[];
  readonly tags: readonly string[];
  readonly image: string;
  readonly maxNeedsPerJob: number;
}

/**
 * The pipeline that runs the child files: `collect artifacts` re-exposes the files (a bridge
 * may only include artifacts of a job of its own pipeline), then one bridge per file, which
 * needs only the bridges of the files holding its jobs' dependencies (`strategy: depend`: a
 * bridge ends when its pipeline does, and fails with it), so independent files run side by
 * side. Where a bridge would wait for more bridges than one job may need, small join jobs
 * gather them, in as many rounds as it takes. Files come after the files they wait for;
 * each bridge's stage is its depth in that graph.
 */
export function buildTriggerPipeline(
  files: readonly ChildFileRef[],
  settings: TriggerSettings,
): CiPipeline {
  const jobs: Record<string, CiEntry> = { [COLLECT_ARTIFACTS_JOB]: collectJob(settings) };
  const depth = new Map<string, number>();
  for (const { file, bridge, after } of files) {
    const step = Math.max(-1, ...after.map((b) => depth.get(b)!)) + 1;
    depth.set(bridge, step);
    const waits =
      after.length > settings.maxNeedsPerJob - 1
        ? joinRounds([...after], `step-${step}-wait`, `${bridge} waits`, settings, jobs)
        : after;
    jobs[bridge] = {
      stage: `step-${step}`,
      trigger: {
        include: [{ artifact: `${settings.artifactsDir}/${file}`, job: COLLECT_ARTIFACTS_JOB }],
        strategy: "depend",
      },
      needs: [
        { job: COLLECT_ARTIFACTS_JOB, artifacts: true },
        ...waits.map((job) => ({ job, artifacts: false })),
      ],
      variables: Object.fromEntries(settings.passOn.map((name) => [name, `$${name}`])),
    };
  }
  const steps = Math.max(-1, ...depth.values()) + 1;
  const stages = ["collect"];
  for (let s = 0; s < steps; s++) {
    const waiting = Object.values(jobs).some((job) => job.stage === `step-${s}-wait`);
    stages.push(...(waiting ? [`step-${s}-wait`] : []), `step-${s}`);
  }
  return { stages, jobs };
}

/**
 * How many join jobs a job waiting for `waits` jobs needs (what `joinRounds` makes): rounds
 * of jobs that each need up to `maxNeedsPerJob`, until the job itself needs few enough.
 */
export function joinJobCount(waits: number, maxNeedsPerJob: number): number {
  let count = 0;
  for (let left = waits; left > maxNeedsPerJob - 1; left = Math.ceil(left / maxNeedsPerJob))
    count += Math.ceil(left / maxNeedsPerJob);
  return count;
}

function joinRounds(
  names: string[],
  stage: string,
  prefix: string,
  settings: TriggerSettings,
  jobs: Record<string, CiEntry>,
): string[] {
  let round = 0;
  let waiting = names;
  while (waiting.length > settings.maxNeedsPerJob - 1) {
    const next: string[] = [];
    for (let i = 0; i < waiting.length; i += settings.maxNeedsPerJob) {
      const name = `${prefix} ${round}.${next.length}`;
      jobs[name] = joinJob(stage, waiting.slice(i, i + settings.maxNeedsPerJob), settings);
      next.push(name);
    }
    waiting = next;
    round++;
  }
  return waiting;
}

function joinJob(stage: string, needs: readonly string[], settings: TriggerSettings): CiJob {
  return {
    stage,
    image: settings.image,
    tags: [...settings.tags],
    needs: needs.map((job): CiNeed => ({ job, artifacts: false })),
    variables: { GIT_STRATEGY: "none" },
    script: [`echo "${needs.length} child pipelines are done"`],
  };
}

function collectJob(settings: TriggerSettings): CiJob {
  return {
    stage: "collect",
    image: settings.image,
    tags: [...settings.tags],
    needs: [
      { pipeline: `$${ENTRY_PIPELINE_ID_VARIABLE}`, job: GATHER_ARTIFACTS_JOB, artifacts: true },
    ],
    variables: { GIT_STRATEGY: "none" },
    script: [`ls -l ${shellQuote(`${settings.artifactsDir}/`)}`],
    artifacts: {
      paths: [...(settings.collect ?? [`${settings.artifactsDir}/`])],
      expire_in: "1 week",
    },
  };
}

/** The picture of the trigger pipeline: one node per child file, with its job count. */
export function triggerPicture(trigger: CiPipeline, jobsOf: (file: string) => number | undefined) {
  const bridgeNote = (artifact: string) => {
    const jobs = jobsOf(artifact.split("/").at(-1) ?? "");
    return jobs === undefined ? undefined : jobCount(jobs);
  };
  return mermaidMarkdown("Build cache pipelines", pipelineMermaid(trigger, { bridgeNote }));
}
