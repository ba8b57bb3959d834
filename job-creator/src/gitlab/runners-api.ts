import pLimit from "p-limit";
import { gitlabCall, type RefusalHints } from "../../../common/src/gitlab-errors.js";
import { gitlabClient, type GitlabConnection } from "../../../common/src/gitlab-requester.js";
import { redactText } from "../../../common/src/redact.js";
import { UserError } from "../../../common/src/errors.js";

/** A runner the project may use, as GitLab's runners API describes it. */
export interface RunnerInfo {
  readonly id: number;
  readonly description: string;
  /** `online`, `offline`, `stale` or `never_contacted`. */
  readonly status: string;
  readonly paused: boolean;
  /** What the runner reports (Go's GOARCH: amd64, arm64, …); undefined before it first ran a job. */
  readonly architecture?: string;
  readonly tags: readonly string[];
  readonly runningJobs: number;
}

/** What jc asks of GitLab about runners. */
export interface RunnersApi {
  /** The project's runners (its own, its groups', the instance's it may use) carrying every tag. */
  runnersWithTags(tags: readonly string[]): Promise<RunnerInfo[]>;
}

/** The token jc needs, said once for every refusal. */
const RUNNERS_TOKEN_HINTS: RefusalHints = {
  401: "the token was refused: set GITLAB_API_TOKEN (or --token) to a project or personal access token with the read_api scope",
  403: "listing a project's runners needs a token whose user has at least the Maintainer role in the project (a project access token with role Maintainer and scope read_api)",
  404: "check the project id (CI_PROJECT_ID) and the API URL (CI_API_V4_URL)",
};

/**
 * GitLab's runners API through gitbeaker: `GET /projects/:id/runners?tag_list=…` (all pages),
 * then per runner `GET /runners/:id` (tags, architecture) and `GET /runners/:id/jobs?status=running`.
 * @see https://docs.gitlab.com/ee/api/runners.html
 */
export function gitlabRunnersApi(connection: GitlabConnection): RunnersApi {
  const api = gitlabClient(connection);
  const project = connection.projectId;
  const where = (what: string) =>
    `cannot ${what} of project ${project} at ${redactText(connection.apiUrl)}`;
  const limit = pLimit(8);
  return {
    async runnersWithTags(tags) {
      const listed = await gitlabCall(where("list the runners"), RUNNERS_TOKEN_HINTS, () =>
        api.Runners.all({
          projectId: project,
          // GitLab takes the tags comma-separated, as its documentation's example shows.
          tagList: tags.join(",") as unknown as string[],
          perPage: 100,
        }),
      );
      if (!Array.isArray(listed)) throw new UserError(`${where("list the runners")}: ${NOT_JSON}`);
      return Promise.all(
        listed.map((runner) =>
          limit(async (): Promise<RunnerInfo> => {
            const details = await gitlabCall(
              where(`read runner ${runner.id}`),
              RUNNERS_TOKEN_HINTS,
              () => api.Runners.show(runner.id),
            );
            const running = await gitlabCall(
              where(`list the running jobs of runner ${runner.id}`),
              RUNNERS_TOKEN_HINTS,
              () => api.Runners.allJobs(runner.id, { status: "running", perPage: 100 }),
            );
            return {
              id: runner.id,
              description: text(runner.description),
              status: runner.status,
              paused: runner.paused,
              ...(details.architecture ? { architecture: details.architecture } : {}),
              tags: details.tag_list ?? [],
              runningJobs: Array.isArray(running) ? running.length : 0,
            };
          }),
        ),
      );
    },
  };
}

/** A text field that GitLab sends as null when unset (a runner registered without a description). */
const text = (value: unknown): string => (typeof value === "string" ? value : "");

const NOT_JSON = "the answer is not the JSON list GitLab's API documents";
