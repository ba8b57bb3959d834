import type { CiEntry, CiJob, CiPipeline } from "../../../common/src/ci/types.js";
import {
  COPY_JOB,
  CLEANUP_JOB,
  NO_SPECS_TO_REBUILD_JOB,
  REBUILD_INDEX_JOB,
  SIGN_PKGS_JOB,
} from "../spack/names.js";
import type { MergedPipeline } from "./merge.js";
import { rewriteSpackJob, type RewriteSettings } from "./rewrite.js";

/** Service jobs in the order they must run after every build: sign, index, copy, clean up. */
const SERVICE_ORDER = [SIGN_PKGS_JOB, REBUILD_INDEX_JOB, COPY_JOB, CLEANUP_JOB];

/** The service jobs Spack asked for (index and the like), in a file run after every build file. */
export function servicesPipeline(
  merged: MergedPipeline,
  rewrite: RewriteSettings,
  indexResourceGroup: string | undefined,
): CiPipeline | undefined {
  const jobs: Record<string, CiEntry> = {};
  const stages: string[] = [];
  for (const name of SERVICE_ORDER) {
    const service = merged.services.find((s) => s.name === name);
    if (!service) continue;
    const stage = service.stage ?? `stage-${name}`;
    if (!stages.includes(stage)) stages.push(stage);
    jobs[name] = {
      ...rewriteSpackJob(service.job, service.fileVariables, rewrite),
      stage,
      // Two pipelines rewriting one cache's index at once lose specs from it.
      ...(name === REBUILD_INDEX_JOB && indexResourceGroup
        ? { resource_group: indexResourceGroup }
        : {}),
    };
  }
  return stages.length > 0 ? { stages, jobs } : undefined;
}

/** The one job of a pipeline with nothing to rebuild: Spack's own, rewritten, or ours. */
export function noopPipeline(merged: MergedPipeline, rewrite: RewriteSettings): CiPipeline {
  const noop = merged.services.find((s) => s.name === NO_SPECS_TO_REBUILD_JOB);
  const job: CiJob = noop
    ? rewriteSpackJob(noop.job, {}, rewrite)
    : {
        tags: [...rewrite.tags],
        script: ['echo "All specs already up to date, nothing to rebuild."'],
      };
  return { jobs: { [NO_SPECS_TO_REBUILD_JOB]: job } };
}
