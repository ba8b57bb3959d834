import { shellQuote } from "../../../common/src/shell.js";
import type { CiEntry, CiJob, CiNeed, CiPipeline } from "../../../common/src/ci/types.js";
import {
  COLLECT_ARTIFACTS_JOB,
  ENTRY_PIPELINE_ID_VARIABLE,
  GATHER_ARTIFACTS_JOB,
  GENERATION_PIPELINE_ID_VARIABLE,
} from "../../../common/src/job-names.js";

/** A child file the trigger pipeline starts, in the step it belongs to. */
export interface ChildFileRef {
  readonly file: string;
  readonly bridge: string;
}

export interface TriggerSettings {
  /** Folder of the child files inside the artifacts, e.g. `spack.artifacts.amd64`. */
  readonly artifactsDir: string;
  readonly tags: readonly string[];
  readonly image: string;
  readonly maxNeedsPerJob: number;
}

/**
 * The pipeline that runs the child files in order: `collect artifacts` re-exposes the files
 * (a bridge may only include artifacts of a job of its own pipeline), then one bridge per
 * file, each step's bridges needing every bridge of the step before. Where a step has more
 * bridges than one job may need, small join jobs gather them, in as many rounds as it takes.
 */
export function buildTriggerPipeline(
  steps: readonly (readonly ChildFileRef[])[],
  settings: TriggerSettings,
): CiPipeline {
  const jobs: Record<string, CiEntry> = { [COLLECT_ARTIFACTS_JOB]: collectJob(settings) };
  const stages = ["collect"];
  let previous: string[] = [];
  steps.forEach((step, index) => {
    const stage = `step-${index}`;
    stages.push(stage);
    for (const { file, bridge } of step) {
      jobs[bridge] = {
        stage,
        trigger: {
          include: [{ artifact: `${settings.artifactsDir}/${file}`, job: COLLECT_ARTIFACTS_JOB }],
          strategy: "depend",
        },
        needs: [
          { job: COLLECT_ARTIFACTS_JOB, artifacts: true },
          ...previous.map((job) => ({ job, artifacts: false })),
        ],
        variables: { [GENERATION_PIPELINE_ID_VARIABLE]: `$${GENERATION_PIPELINE_ID_VARIABLE}` },
      };
    }
    previous = step.map((s) => s.bridge);
    if (previous.length > settings.maxNeedsPerJob - 1) {
      stages.push(`${stage}-done`);
      previous = joinRounds(previous, `${stage}-done`, settings, jobs);
    }
  });
  return { stages, jobs };
}

function joinRounds(
  names: string[],
  stage: string,
  settings: TriggerSettings,
  jobs: Record<string, CiEntry>,
): string[] {
  let round = 0;
  let waiting = names;
  while (waiting.length > settings.maxNeedsPerJob - 1) {
    const next: string[] = [];
    for (let i = 0; i < waiting.length; i += settings.maxNeedsPerJob) {
      const name = `${stage} join ${round}.${next.length}`;
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
    script: [`echo "${needs.length} child pipelines of ${stage.replace(/-done$/, "")} are done"`],
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
    artifacts: { paths: [`${settings.artifactsDir}/`], expire_in: "1 week" },
  };
}
