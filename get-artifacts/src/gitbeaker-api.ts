import { Gitlab, GitbeakerRequestError } from "@gitbeaker/rest";
import { UserError } from "../../common/src/errors.js";
import { gitlabRequester } from "../../common/src/gitlab-requester.js";
import type { HttpPolicy } from "../../common/src/http.js";
import { redactText } from "../../common/src/redact.js";
import type { BridgeInfo, JobInfo, PipelineApi } from "./api.js";

export interface GitlabApiOptions {
  /** `$CI_API_V4_URL`, e.g. https://gitlab.example.com/api/v4 (the server URL works too). */
  readonly apiUrl: string;
  readonly projectId: string;
  readonly token: string;
  /** Timeouts and retries (the one retry layer: `fetchWithPolicy`). */
  readonly http?: HttpPolicy;
}

/**
 * The GitLab REST API through `@gitbeaker/rest`, with a private token (CI_JOB_TOKEN
 * cannot read these endpoints). gitbeaker follows `Link: rel="next"` for lists.
 */
export function gitlabPipelineApi(options: GitlabApiOptions): PipelineApi {
  const host = options.apiUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
  const api = new Gitlab({
    host,
    token: options.token,
    requesterFn: gitlabRequester(options.http),
  });
  const project = options.projectId;
  const call = async <T>(
    what: string,
    send: () => Promise<T>,
    shape: "list" | "file",
  ): Promise<T> => {
    let answer: T;
    try {
      answer = await send();
    } catch (error) {
      throw classify(error, what, host, project);
    }
    // What GitLab documents: a JSON list, or a file. Anything else (an XML or text page) is refused.
    const fits = shape === "list" ? Array.isArray(answer) : answer instanceof Blob;
    if (!fits)
      throw new UserError(
        `cannot ${what} of project ${project} at ${redactText(host)}: the answer is not the ${shape === "list" ? "JSON list" : "file"} GitLab's API documents`,
      );
    return answer;
  };

  return {
    async bridges(pipelineId) {
      const bridges = await call(
        `list the bridges of pipeline ${pipelineId}`,
        () => api.Jobs.allPipelineBridges(project, pipelineId),
        "list",
      );
      return bridges.map((b): BridgeInfo => ({
        id: b.id,
        name: b.name,
        status: b.status,
        // gitbeaker types it as always there; GitLab sends null for a bridge that started nothing.
        ...((b.downstream_pipeline as { id?: number } | null)?.id
          ? { downstreamPipelineId: b.downstream_pipeline.id }
          : {}),
      }));
    },
    async jobs(pipelineId) {
      const jobs = await call(
        `list the jobs of pipeline ${pipelineId}`,
        () => api.Jobs.all(project, { pipelineId, perPage: 100 }),
        "list",
      );
      return jobs.map((j): JobInfo => ({
        id: j.id,
        name: j.name,
        status: j.status,
        hasArtifacts:
          Boolean(j.artifacts_file) || ((j.artifacts as unknown[] | undefined) ?? []).length > 0,
      }));
    },
    async artifacts(jobId) {
      const blob = await call(
        `download the artifacts of job ${jobId}`,
        () => api.JobArtifacts.downloadArchive(project, { jobId }),
        "file",
      );
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}

/** What went wrong, in the words of the user's task; transient failures were retried below. */
function classify(error: unknown, what: string, host: string, project: string): Error {
  const where = `cannot ${what} of project ${project} at ${redactText(host)}`;
  if (error instanceof UserError)
    return new UserError(`${where}: ${error.message}`, { cause: error });
  if (!(error instanceof GitbeakerRequestError)) return error as Error;
  const status = error.cause?.response.status ?? 0;
  const detail = `${where} (HTTP ${status}${error.message ? `: ${redactText(error.message)}` : ""})`;
  if (status === 401)
    return new UserError(
      `${detail}: the token was refused; set GITLAB_API_TOKEN (or --token) to a token with the read_api scope`,
    );
  if (status === 403)
    return new UserError(`${detail}: the token's user may not read this project's pipelines`);
  if (status === 404)
    return new UserError(`${detail}: check the project id and the pipeline or job id`);
  return new UserError(detail, { cause: error });
}
