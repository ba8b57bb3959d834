import { Gitlab } from "@gitbeaker/rest";
import { UserError } from "../../../common/src/errors.js";
import { gitlabHost, gitlabRequester } from "../../../common/src/gitlab-requester.js";

/** GitLab's own opinion of a pipeline file. */
export interface CiLinter {
  lint(
    content: string,
  ): Promise<{ valid: boolean; errors: readonly string[]; warnings: readonly string[] }>;
}

/**
 * The project's CI Lint API (`POST /projects/:id/ci/lint`): the instance checks the file
 * with its own version, limits and the project's context.
 * @see https://docs.gitlab.com/ee/api/lint.html
 */
export function gitlabCiLinter(options: {
  host: string;
  token: string;
  projectId: string;
}): CiLinter {
  const host = gitlabHost(options.host);
  const api = new Gitlab({
    host,
    token: options.token,
    requesterFn: gitlabRequester(),
  });
  return {
    async lint(content) {
      try {
        const answer = await api.Lint.lint(options.projectId, content);
        return {
          valid: answer.valid,
          errors: answer.errors ?? [],
          warnings: answer.warnings ?? [],
        };
      } catch (error) {
        const status = (error as { cause?: { response?: { status?: number } } }).cause?.response
          ?.status;
        throw new UserError(
          `GitLab's CI Lint API of project ${options.projectId} at ${host} failed${status ? ` (HTTP ${status})` : ""}: check the URL, the project and the token's api scope`,
          { cause: error },
        );
      }
    },
  };
}
