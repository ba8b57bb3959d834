import { UserError } from "../../../common/src/errors.js";
import { gitlabCall, type RefusalHints } from "../../../common/src/gitlab-errors.js";
import { gitlabClient, type GitlabConnection } from "../../../common/src/gitlab-requester.js";
import { redactText } from "../../../common/src/redact.js";

/** A job as `jc reproduce` needs it. */
export interface JobDetails {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly webUrl: string;
  readonly pipelineId?: number;
}

/** What `jc reproduce` asks of GitLab about one job of a project (id or path). */
export interface JobsApi {
  job(projectId: string, jobId: number): Promise<JobDetails>;
  /** The job's artifact archive (zip). */
  artifacts(projectId: string, jobId: number): Promise<Uint8Array>;
  /** What `$CI_REGISTRY_IMAGE` is in the project's jobs (`container_registry_image_prefix`). */
  registryImage(projectId: string): Promise<string | undefined>;
}

const HINTS: RefusalHints = {
  401: "the token was refused: set GITLAB_API_TOKEN (or --token) to a token with the read_api scope",
  403: "the token's user may not read this project's jobs and artifacts (it needs the Reporter role)",
  404: "check the job id or URL, the project, and that the job's artifacts have not expired",
};

/** GitLab's jobs API through gitbeaker. */
export function gitlabJobsApi(connection: Omit<GitlabConnection, "projectId">): JobsApi {
  const api = gitlabClient({ ...connection, projectId: "" });
  const where = (what: string, project: string) =>
    `cannot ${what} of project ${project} at ${redactText(connection.apiUrl)}`;
  return {
    async job(projectId, jobId) {
      const job = await gitlabCall(where(`read job ${jobId}`, projectId), HINTS, () =>
        api.Jobs.show(projectId, jobId),
      );
      const pipeline = job.pipeline as { id?: number } | undefined;
      return {
        id: job.id,
        name: job.name,
        status: job.status,
        webUrl: typeof job.web_url === "string" ? job.web_url : "",
        ...(pipeline?.id ? { pipelineId: pipeline.id } : {}),
      };
    },
    async registryImage(projectId) {
      const project = await gitlabCall(where("read the settings", projectId), HINTS, () =>
        api.Projects.show(projectId),
      );
      const prefix = (project as Record<string, unknown>)["container_registry_image_prefix"];
      return typeof prefix === "string" && prefix ? prefix : undefined;
    },
    async artifacts(projectId, jobId) {
      const what = `download the artifacts of job ${jobId}`;
      const blob = await gitlabCall(where(what, projectId), HINTS, () =>
        api.JobArtifacts.downloadArchive(projectId, { jobId }),
      );
      if (!(blob instanceof Blob))
        throw new UserError(`${where(what, projectId)}: the answer is no file`);
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}
