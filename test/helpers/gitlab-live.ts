import { paged, startGitlabApi, type Answer } from "./gitlab-api.js";

/** A job of the live fake: its status and its log so far, changed by the test's steps. */
export interface LiveFakeJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  log: string;
}

export interface LiveFakePipeline {
  id: number;
  status: string;
  ref: string;
  jobs: LiveFakeJob[];
  bridges: { id: number; name: string; status: string; downstream?: number }[];
}

/** What the fake holds, and what the client asked of it. */
export interface LiveWorld {
  readonly pipelines: Map<number, LiveFakePipeline>;
  readonly created: { ref: string; variables: Record<string, string> }[];
  readonly canceled: number[];
}

const PROJECT = 42;
const webUrl = (id: number) => `https://gitlab.example.com/group/project/-/pipelines/${id}`;

const pipelineJson = (p: LiveFakePipeline) => ({
  id: p.id,
  iid: p.id,
  project_id: PROJECT,
  sha: "a".repeat(40),
  ref: p.ref,
  status: p.status,
  source: "api",
  created_at: "2026-12-03T05:00:00.000Z",
  updated_at: "2026-12-03T05:00:00.000Z",
  web_url: webUrl(p.id),
});

/**
 * GitLab's pipeline and job endpoints that `jc build` and `jc watch` use, shaped as its API
 * documentation shows: create (`POST /projects/:id/pipeline`), show, jobs (paged), bridges
 * with `downstream_pipeline`, a job's trace as text/plain, cancel. Each time the client reads
 * the followed pipeline (`root`, or the one it created), the next of `steps` changes the
 * world first: how a test makes a pipeline run while it is followed.
 */
export async function startLiveGitlab(options: {
  token: string;
  pipelines?: readonly LiveFakePipeline[];
  /** What `POST /pipeline` starts. */
  onCreate?: (ref: string) => LiveFakePipeline;
  steps?: readonly ((world: LiveWorld) => void)[];
  root?: number;
  /** The token may read but not start pipelines (403 on create). */
  readOnly?: boolean;
}) {
  const world: LiveWorld = {
    pipelines: new Map((options.pipelines ?? []).map((p) => [p.id, p])),
    created: [],
    canceled: [],
  };
  let root = options.root;
  let step = 0;
  const base = `/api/v4/projects/${PROJECT}`;
  const server = await startGitlabApi((req, body): Answer | undefined => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers["private-token"] !== options.token)
      return { status: 401, json: { message: "401 Unauthorized" } };
    if (req.method === "POST" && url.pathname === `${base}/pipeline`) {
      if (options.readOnly) return { status: 403, json: { message: "403 Forbidden" } };
      const request = JSON.parse(body) as {
        ref: string;
        variables?: { key: string; value: string }[];
      };
      world.created.push({
        ref: request.ref,
        variables: Object.fromEntries((request.variables ?? []).map((v) => [v.key, v.value])),
      });
      const created = options.onCreate!(request.ref);
      world.pipelines.set(created.id, created);
      root = created.id;
      return { status: 201, json: pipelineJson(created) };
    }
    const match = /^\/api\/v4\/projects\/42\/(pipelines|jobs)\/(\d+)(?:\/(\w+))?$/.exec(
      url.pathname,
    );
    if (!match) return undefined;
    const [, kind, idText, sub] = match;
    const id = Number(idText);
    if (kind === "jobs" && sub === "trace") {
      const job = [...world.pipelines.values()].flatMap((p) => p.jobs).find((j) => j.id === id);
      return job
        ? { status: 200, text: job.log, headers: { "content-type": "text/plain" } }
        : { status: 404, json: { message: "404 Not found" } };
    }
    const pipeline = world.pipelines.get(id);
    if (kind !== "pipelines" || !pipeline)
      return { status: 404, json: { message: "404 Not found" } };
    if (req.method === "POST" && sub === "cancel") {
      world.canceled.push(id);
      pipeline.status = "canceled";
      return { status: 200, json: pipelineJson(pipeline) };
    }
    if (sub === undefined) {
      if (id === root && step < (options.steps?.length ?? 0)) options.steps![step++]!(world);
      return { status: 200, json: pipelineJson(pipeline) };
    }
    if (sub === "jobs")
      return paged(
        url,
        pipeline.jobs.map((j) => ({
          id: j.id,
          name: j.name,
          stage: j.stage,
          status: j.status,
          ref: pipeline.ref,
          tag: false,
          allow_failure: false,
          created_at: "2026-12-03T05:00:00.000Z",
          pipeline: pipelineJson(pipeline),
          web_url: `https://gitlab.example.com/group/project/-/jobs/${j.id}`,
        })),
      );
    if (sub === "bridges")
      return {
        status: 200,
        json: pipeline.bridges.map((b) => {
          const child = b.downstream === undefined ? undefined : world.pipelines.get(b.downstream);
          return {
            id: b.id,
            name: b.name,
            stage: "build",
            status: b.status,
            pipeline: pipelineJson(pipeline),
            downstream_pipeline: child ? pipelineJson(child) : null,
          };
        }),
      };
    return undefined;
  });
  return { ...server, world, projectId: String(PROJECT), webUrl };
}
