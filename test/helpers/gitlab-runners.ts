import { paged, startGitlabApi } from "./gitlab-api.js";

/** A runner of the fake GitLab, as its owner set it up. */
export interface FakeRunner {
  readonly id: number;
  readonly description: string;
  readonly tags: readonly string[];
  readonly status?: "online" | "offline" | "stale" | "never_contacted";
  readonly paused?: boolean;
  /** What the runner reports; null before it first contacted GitLab. */
  readonly architecture?: string | null;
  readonly runningJobs?: number;
}

const PROJECT = 42;

/**
 * The runner endpoints of GitLab's REST API, shaped as its documentation shows
 * (https://docs.gitlab.com/ee/api/runners.html): `GET /projects/:id/runners` with the
 * `tag_list` filter (runners carrying every tag) paged at most 100 per page, `GET /runners/:id`,
 * `GET /runners/:id/jobs?status=running`. A token of a user below Maintainer gets 403.
 */
export async function startFakeRunners(options: {
  token: string;
  /** The runners, or a function giving them at each request (they may go offline). */
  runners: readonly FakeRunner[] | (() => readonly FakeRunner[]);
  /** The token's user has the Maintainer role (default true). */
  maintainer?: boolean;
}) {
  const server = await startGitlabApi((req) => {
    const runners = typeof options.runners === "function" ? options.runners() : options.runners;
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    if (req.headers["private-token"] !== options.token)
      return { status: 401, json: { message: "401 Unauthorized" } };
    if (options.maintainer === false) return { status: 403, json: { message: "403 Forbidden" } };
    if (url.pathname === `/api/v4/projects/${PROJECT}/runners`) {
      const wanted = (url.searchParams.get("tag_list") ?? "").split(",").filter(Boolean);
      const matching = runners.filter((r) => wanted.every((tag) => r.tags.includes(tag)));
      return paged(url, matching.map(listed));
    }
    let match = /^\/api\/v4\/runners\/(\d+)$/.exec(url.pathname);
    const runner = match && runners.find((r) => r.id === Number(match![1]));
    if (match)
      return runner
        ? { status: 200, json: details(runner) }
        : { status: 404, json: { message: "404 Runner Not Found" } };
    match = /^\/api\/v4\/runners\/(\d+)\/jobs$/.exec(url.pathname);
    if (match) {
      const owner = runners.find((r) => r.id === Number(match[1]));
      if (!owner) return { status: 404, json: { message: "404 Runner Not Found" } };
      const status = url.searchParams.get("status");
      const jobs = Array.from({ length: owner.runningJobs ?? 0 }, (_, i) => runningJob(owner, i));
      return paged(url, status && status !== "running" ? [] : jobs);
    }
    return undefined;
  });
  return { ...server, projectId: String(PROJECT) };
}

const listed = (r: FakeRunner) => ({
  id: r.id,
  description: r.description,
  ip_address: null,
  active: !r.paused,
  paused: Boolean(r.paused),
  is_shared: false,
  runner_type: "project_type",
  name: "gitlab-runner",
  online: (r.status ?? "online") === "online",
  status: r.status ?? "online",
});

const details = (r: FakeRunner) => ({
  ...listed(r),
  architecture: r.architecture === undefined ? "amd64" : r.architecture,
  platform: "linux",
  contacted_at: "2026-12-03T05:00:00.000Z",
  maintenance_note: null,
  projects: [{ id: PROJECT, name: "project", path_with_namespace: "group/project" }],
  revision: "f1f8e5b8",
  tag_list: [...r.tags],
  version: "17.6.0",
  access_level: "not_protected",
  maximum_timeout: 3600,
  run_untagged: false,
  locked: false,
});

const runningJob = (r: FakeRunner, i: number) => ({
  id: r.id * 1000 + i,
  status: "running",
  stage: "build",
  name: `build ${i}`,
  ref: "main",
  tag: false,
  created_at: "2026-12-03T04:55:00.000Z",
  started_at: "2026-12-03T04:56:00.000Z",
  project: { id: PROJECT, name: "project", path_with_namespace: "group/project" },
});
