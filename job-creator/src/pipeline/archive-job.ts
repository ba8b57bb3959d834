import { steppedScript } from "../../../common/src/ci/steps.js";
import type { CiEntry, CiJob, CiNeed } from "../../../common/src/ci/types.js";
import { shellExpand } from "../../../common/src/shell.js";
import { archivesOn } from "../archive/plan.js";
import type { ContainerDecision } from "../containers/decide.js";
import { imageRef } from "../containers/facts.js";
import { archJobBase, JC, toolsJobBase, type GenerationContext } from "./context.js";
import type { WorkflowSettings } from "./workflow-settings.js";

export const archiveJobName = (arch: string) => `archive replaced images for ${arch}`;

/** The tags this pipeline pushes to: each built image's, and each publish copy's. */
export function replacedTags(decisions: readonly ContainerDecision[]): string[] {
  return decisions.flatMap(({ target, build, publish }) =>
    target.kind === "spack"
      ? [...(build ? [imageRef(target.repository, target.tag)] : []), ...publish.map((p) => p.ref)]
      : [],
  );
}

/**
 * With archives on (`archive:`), the job that keeps each tag's current image before the
 * builds and publications replace it (`jc archive-images`), and those jobs made to wait for
 * it: a failed archive replaces nothing. Without tags to replace, the jobs as they were.
 */
export function withArchiveJob(
  jobs: Readonly<Record<string, CiEntry>>,
  decisions: readonly ContainerDecision[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): Record<string, CiEntry> {
  const tags = replacedTags(decisions);
  if (tags.length === 0 || !archivesOn(ctx.config.archive)) return { ...jobs };
  const name = archiveJobName(settings.arch.name);
  const wait: CiNeed = { job: name, artifacts: false };
  const waiting = Object.fromEntries(
    Object.entries(jobs).map(([jobName, job]) => [
      jobName,
      job.stage === "build" || job.stage === "publish"
        ? { ...job, needs: [...(job.needs ?? []), wait] }
        : job,
    ]),
  );
  const archive: CiJob = {
    ...toolsJobBase(ctx.config),
    ...archJobBase(settings.arch),
    stage: "archive",
    needs: [],
    ...steppedScript([
      {
        name: "archive",
        title: `Archive the ${tags.length === 1 ? "tag" : `${tags.length} tags`} about to be replaced, apply the retention`,
        lines: [`${JC} archive-images ${tags.map(shellExpand).join(" ")}`],
      },
    ]),
    timeout: "30m",
  };
  return { [name]: archive, ...waiting };
}
