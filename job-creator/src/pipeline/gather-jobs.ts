import type { CiJob, CiNeed } from "../../../common/src/ci/types.js";
import { InputError } from "../../../common/src/errors.js";
import {
  gatherSpackOutputsJobName,
  generateSpackJobName,
  jobsScratchDir,
} from "../../../common/src/job-names.js";
import { shellQuote } from "../../../common/src/shell.js";
import type { Architecture } from "../config/architecture.js";
import type { SpackContainer } from "../definitions/types.js";
import { archJobBase, toolsJobBase, type GenerationContext } from "./context.js";

/*
 * GitLab refuses a pipeline with a job of more than 50 `needs` (limits.maxNeedsPerJob). The
 * jobs that read every generate job's output of an arch (the processing, the workflow, the
 * cache cleaning) need them directly while they fit, and otherwise through gather jobs: each
 * needs up to the limit of generate jobs and passes their outputs on as its own artifacts.
 */

/** Needs a reader of every output may spend on them: one stays for the parent's artifacts. */
const roomFor = (ctx: GenerationContext) => ctx.config.limits.maxNeedsPerJob - 1;

/** The generate jobs each gather job needs, or none when the readers need them directly. */
function gatherGroups(
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
): SpackContainer[][] {
  if (containers.length <= roomFor(ctx)) return [];
  const size = ctx.config.limits.maxNeedsPerJob;
  const groups: SpackContainer[][] = [];
  for (let i = 0; i < containers.length; i += size) groups.push(containers.slice(i, i + size));
  if (groups.length > roomFor(ctx))
    throw new InputError(
      `${containers.length} Spack containers on one architecture need ${groups.length} gather jobs, more than a job may need (limits.maxNeedsPerJob ${ctx.config.limits.maxNeedsPerJob}): split them across architectures`,
    );
  return groups;
}

const generateNeed = (c: SpackContainer): CiNeed => ({
  job: generateSpackJobName(c.name, c.arch),
  artifacts: true,
});

/** What a reader of every generate job's output of `arch` needs: those jobs, or their gatherers. */
export function generateOutputNeeds(
  arch: Architecture,
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
): CiNeed[] {
  const groups = gatherGroups(containers, ctx);
  if (groups.length === 0) return containers.map(generateNeed);
  return groups.map((_, i) => ({
    job: gatherSpackOutputsJobName(arch.name, i + 1, groups.length),
    artifacts: true,
  }));
}

/** The gather jobs of `arch`, by name: none while the readers can need every generate job. */
export function buildGatherJobs(
  arch: Architecture,
  containers: readonly SpackContainer[],
  ctx: GenerationContext,
): Record<string, CiJob> {
  const groups = gatherGroups(containers, ctx);
  const base = archJobBase(arch);
  const scratch = jobsScratchDir(arch.name);
  return Object.fromEntries(
    groups.map((group, i) => [
      gatherSpackOutputsJobName(arch.name, i + 1, groups.length),
      {
        stage: "spack gather",
        image: toolsJobBase(ctx.config).image,
        tags: base.tags,
        // Only the needed jobs' artifacts are handled: no checkout.
        variables: { ...base.variables, GIT_STRATEGY: "none" },
        needs: group.map(generateNeed),
        script: [`ls -1 ${shellQuote(scratch)}`],
        artifacts: { paths: [`${scratch}/`], expire_in: "1 week" },
      },
    ]),
  );
}
