import { UserError } from "../../common/src/errors.js";
import { gitlabCall } from "../../common/src/gitlab-errors.js";
import {
  gitlabClient,
  gitlabHost,
  type GitlabConnection,
} from "../../common/src/gitlab-requester.js";
import { redactText } from "../../common/src/redact.js";
import type { BridgeInfo, JobInfo, PipelineApi } from "./api.js";

export type GitlabApiOptions = GitlabConnection;

/**
 * The GitLab REST API through `@gitbeaker/rest`, with a private token (CI_JOB_TOKEN
 * cannot read these endpoints). gitbeaker follows `Link: rel="next"` for lists.
 */
export function gitlabPipelineApi(options: GitlabApiOptions): PipelineApi {
  const host = gitlabHost(options.apiUrl);
  const api = gitlabClient(options);
  const project = options.projectId;
  const call = async <T>(
    what: string,
    send: () => Promise<T>,
    shape: "list" | "file",
  ): Promise<T> => {
    const answer = await gitlabCall(
      `cannot ${what} of project ${project} at ${redactText(host)}`,
      HINTS,
      send,
    );
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

/** What get-artifacts tells the user when GitLab refuses. */
const HINTS = {
  401: "the token was refused; set GITLAB_API_TOKEN (or --token) to a token with the read_api scope",
  403: "the token's user may not read this project's pipelines",
  404: "check the project id and the pipeline or job id",
} as const;
