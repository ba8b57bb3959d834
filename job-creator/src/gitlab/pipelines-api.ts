import { UserError } from "../../../common/src/errors.js";
import { gitlabCall, type RefusalHints } from "../../../common/src/gitlab-errors.js";
import { gitlabClient, type GitlabConnection } from "../../../common/src/gitlab-requester.js";
import { redactText } from "../../../common/src/redact.js";

/** A pipeline, in the project GitLab says it belongs to (a child may live in another). */
export interface PipelineRef {
  readonly projectId: string | number;
  readonly id: number;
}

export interface LivePipeline extends PipelineRef {
  readonly status: string;
  readonly webUrl: string;
}

export interface LiveJob {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly status: string;
}

/** A trigger job and the pipeline it started, once it started one. */
export interface LiveBridge {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly downstream?: PipelineRef;
}

/** What following a pipeline asks of GitLab. Lists are read whole (every page). */
export interface LivePipelinesApi {
  /** `POST /projects/:id/pipeline`: a new pipeline of `ref` with these variables. */
  create(ref: string, variables: Readonly<Record<string, string>>): Promise<LivePipeline>;
  pipeline(ref: PipelineRef): Promise<LivePipeline>;
  jobs(ref: PipelineRef): Promise<LiveJob[]>;
  bridges(ref: PipelineRef): Promise<LiveBridge[]>;
  /** The job's whole log so far (`GET /projects/:id/jobs/:job_id/trace`). */
  trace(projectId: string | number, jobId: number): Promise<string>;
  cancel(ref: PipelineRef): Promise<void>;
}

const HINTS: RefusalHints = {
  401: "the token was refused: set GITLAB_API_TOKEN (or --token) to a token with the api scope (read_api suffices to watch)",
  403: "the token's user may not do this: starting a pipeline needs the Developer role and the api scope, reading logs the Reporter role",
  404: "check the project id, the pipeline id and the API URL",
};

/** GitLab's pipelines and jobs API through gitbeaker (all pages of every list). */
export function gitlabLivePipelinesApi(connection: GitlabConnection): LivePipelinesApi {
  const api = gitlabClient(connection);
  const project = connection.projectId;
  const where = (what: string) =>
    `cannot ${what} of project ${project} at ${redactText(connection.apiUrl)}`;
  const list = async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    const answer = await gitlabCall(where(what), HINTS, send);
    if (!Array.isArray(answer))
      throw new UserError(`${where(what)}: the answer is not the JSON list GitLab's API documents`);
    return answer;
  };
  const pipelineOf = (p: Record<string, unknown>): LivePipeline => ({
    id: p["id"] as number,
    projectId: (p["project_id"] as number | undefined) ?? project,
    status: String(p["status"]),
    webUrl: typeof p["web_url"] === "string" ? p["web_url"] : "",
  });
  return {
    async create(ref, variables) {
      const created = await gitlabCall(where(`start a pipeline on ${ref}`), HINTS, () =>
        api.Pipelines.create(project, ref, {
          variables: Object.entries(variables).map(([key, value]) => ({ key, value })),
        }),
      );
      return pipelineOf(created);
    },
    async pipeline(ref) {
      const found = await gitlabCall(where(`read pipeline ${ref.id}`), HINTS, () =>
        api.Pipelines.show(ref.projectId, ref.id),
      );
      return pipelineOf(found);
    },
    async jobs(ref) {
      const jobs = await list(`list the jobs of pipeline ${ref.id}`, () =>
        api.Jobs.all(ref.projectId, { pipelineId: ref.id, perPage: 100 }),
      );
      return jobs.map((j) => ({ id: j.id, name: j.name, stage: j.stage, status: j.status }));
    },
    async bridges(ref) {
      const bridges = await list(`list the bridges of pipeline ${ref.id}`, () =>
        api.Jobs.allPipelineBridges(ref.projectId, ref.id),
      );
      return bridges.map((b): LiveBridge => {
        // gitbeaker types it as always there; GitLab sends null until the child starts.
        const downstream = b.downstream_pipeline as { id?: number; project_id?: number } | null;
        return {
          id: b.id,
          name: b.name,
          status: b.status,
          ...(downstream?.id
            ? {
                downstream: {
                  id: downstream.id,
                  projectId: downstream.project_id ?? ref.projectId,
                },
              }
            : {}),
        };
      });
    },
    async trace(projectId, jobId) {
      const log = await gitlabCall(where(`read the log of job ${jobId}`), HINTS, () =>
        api.Jobs.showLog(projectId, jobId),
      );
      return typeof log === "string" ? log : "";
    },
    async cancel(ref) {
      await gitlabCall(where(`cancel pipeline ${ref.id}`), HINTS, () =>
        api.Pipelines.cancel(ref.projectId, ref.id),
      );
    },
  };
}
