import { Gitlab, GitbeakerRequestError, GitbeakerRetryError } from "@gitbeaker/rest";
import { UserError } from "../../common/src/errors.js";
import {
  DEFAULT_RETRY,
  TransientError,
  withRetry,
  type RetryPolicy,
} from "../../common/src/retry.js";
import type { BridgeInfo, JobInfo, PipelineApi } from "./api.js";

export interface GitlabApiOptions {
  /** `$CI_API_V4_URL`, e.g. https://gitlab.example.com/api/v4 (the server URL works too). */
  readonly apiUrl: string;
  readonly projectId: string;
  readonly token: string;
  readonly retry?: RetryPolicy;
}

/** Statuses worth another try: rate limiting and a server or proxy in trouble. */
const TRANSIENT = new Set([429, 500, 502, 503, 504]);

/**
 * The GitLab REST API through `@gitbeaker/rest`, with a private token (CI_JOB_TOKEN
 * cannot read these endpoints). gitbeaker follows `Link: rel="next"` for lists.
 */
export function gitlabPipelineApi(options: GitlabApiOptions): PipelineApi {
  const host = options.apiUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
  const api = new Gitlab({ host, token: options.token });
  const project = options.projectId;
  const call = <T>(what: string, send: () => Promise<T>): Promise<T> =>
    withRetry(options.retry ?? DEFAULT_RETRY, async () => {
      try {
        return await send();
      } catch (error) {
        throw classify(error, what, host, project);
      }
    }).catch((error: unknown) => {
      if (error instanceof TransientError)
        throw new UserError(`${error.message} (gave up after retrying)`, { cause: error });
      throw error;
    });

  return {
    async bridges(pipelineId) {
      const bridges = await call(`list the bridges of pipeline ${pipelineId}`, () =>
        api.Jobs.allPipelineBridges(project, pipelineId),
      );
      return bridges.map((b): BridgeInfo => ({
        id: b.id,
        name: b.name,
        status: b.status,
        ...(b.downstream_pipeline?.id ? { downstreamPipelineId: b.downstream_pipeline.id } : {}),
      }));
    },
    async jobs(pipelineId) {
      const jobs = await call(`list the jobs of pipeline ${pipelineId}`, () =>
        api.Jobs.all(project, { pipelineId, perPage: 100 }),
      );
      return jobs.map((j): JobInfo => ({
        id: j.id,
        name: j.name,
        status: j.status,
        hasArtifacts: Boolean(j.artifacts_file) || (j.artifacts ?? []).length > 0,
      }));
    },
    async artifacts(jobId) {
      const blob = await call(`download the artifacts of job ${jobId}`, () =>
        api.JobArtifacts.downloadArchive(project, { jobId }),
      );
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}

function classify(error: unknown, what: string, host: string, project: string): Error {
  const where = `cannot ${what} of project ${project} at ${host}`;
  if (error instanceof GitbeakerRetryError) return new TransientError(`${where}: ${error.message}`);
  if (!(error instanceof GitbeakerRequestError)) {
    // fetch failed: connection refused, DNS, reset. Worth another try.
    return new TransientError(`${where}: ${(error as Error).message}`, { cause: error });
  }
  const status = error.cause?.response.status ?? 0;
  const detail = `${where} (HTTP ${status}${error.message ? `: ${error.message}` : ""})`;
  if (TRANSIENT.has(status)) return new TransientError(detail, { cause: error });
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
