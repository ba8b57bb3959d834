import { load } from "js-yaml";
import { resolveExtends } from "../../common/src/ci/extends.js";
import { isJobKey, type CiJob, type CiTrigger } from "../../common/src/ci/types.js";
import { isMapping } from "../../common/src/mapping.js";

/** A job as GitLab runs it: a script job or a bridge, its templates merged in. */
export type ResolvedJob = Partial<CiJob> & { readonly trigger?: CiTrigger };

/**
 * The jobs of a written pipeline file as GitLab runs them, in the file's order: hidden
 * templates merged in (`extends:`), top-level keywords and the templates themselves left out.
 */
export function pipelineJobs(text: string): Record<string, ResolvedJob> {
  const doc = load(text) as Record<string, unknown>;
  const jobs: Record<string, ResolvedJob> = {};
  for (const [name, body] of Object.entries(doc))
    if (isJobKey(name) && isMapping(body)) jobs[name] = resolveExtends(doc, body);
  return jobs;
}
