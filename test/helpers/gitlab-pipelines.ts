import { zipSync } from "fflate";
import { paged, startGitlabApi, type Answer } from "./gitlab-api.js";

/** A job of the fake GitLab, with the artifact files its archive holds. */
export interface FakeJob {
  readonly id: number;
  readonly name: string;
  readonly status?: string;
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

export interface FakePipeline {
  readonly id: number;
  readonly jobs: readonly FakeJob[];
  readonly bridges: readonly { id: number; name: string; downstream?: number }[];
}

const PROJECT = 42;

/** A pipeline as GitLab's API shows it inside jobs and bridges. */
const pipelineOf = (id: number) => ({
  id,
  project_id: PROJECT,
  ref: "main",
  sha: "a".repeat(40),
  status: "success",
  source: "push",
  web_url: `https://gitlab.example.com/group/project/-/pipelines/${id}`,
});

const jobJson = (job: FakeJob, pipelineId: number) => ({
  id: job.id,
  name: job.name,
  stage: "process",
  status: job.status ?? "success",
  ref: "main",
  tag: false,
  allow_failure: false,
  created_at: "2026-03-01T23:30:00.000Z",
  pipeline: pipelineOf(pipelineId),
  web_url: `https://gitlab.example.com/group/project/-/jobs/${job.id}`,
  artifacts: job.files
    ? [{ file_type: "archive", size: 1000, filename: "artifacts.zip", file_format: "zip" }]
    : [],
  ...(job.files ? { artifacts_file: { filename: "artifacts.zip", size: 1000 } } : {}),
  tag_list: [],
});

/**
 * The pipeline endpoints of GitLab's REST API that get-artifacts uses, shaped as GitLab's
 * documentation shows: bridges with `downstream_pipeline`, jobs paged with both `Link`
 * and `x-*-page` headers (at most 100 per page, 20 by default), artifact archives as zip.
 * `fault` may answer a request before the normal route does.
 */
export async function startFakeGitlab(options: {
  token: string;
  /** The pipelines, or a function giving them at each request (they may grow as a run goes on). */
  pipelines: readonly FakePipeline[] | (() => readonly FakePipeline[]);
  fault?: (path: string) => Answer | undefined;
  /** The project's `container_registry_image_prefix` (what its jobs see as CI_REGISTRY_IMAGE). */
  registryImage?: string;
}) {
  const server = await startGitlabApi((req) => {
    const pipelines =
      typeof options.pipelines === "function" ? options.pipelines() : options.pipelines;
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const injected = options.fault?.(url.pathname);
    if (injected) return injected;
    if (req.headers["private-token"] !== options.token)
      return { status: 401, json: { message: "401 Unauthorized" } };
    if (url.pathname === "/api/v4/projects/42")
      return {
        status: 200,
        json: {
          id: PROJECT,
          path_with_namespace: "group/project",
          web_url: "https://gitlab.example.com/group/project",
          container_registry_image_prefix: options.registryImage ?? "",
        },
      };
    let match = /^\/api\/v4\/projects\/42\/pipelines\/(\d+)\/bridges$/.exec(url.pathname);
    if (match) {
      const pipeline = pipelines.find((p) => p.id === Number(match![1]));
      if (!pipeline) return { status: 404, json: { message: "404 Not found" } };
      const bridges = pipeline.bridges.map((b) => ({
        id: b.id,
        name: b.name,
        stage: "base",
        status: b.downstream ? "success" : "failed",
        pipeline: pipelineOf(pipeline.id),
        downstream_pipeline: b.downstream ? pipelineOf(b.downstream) : null,
      }));
      return { status: 200, json: bridges };
    }
    match = /^\/api\/v4\/projects\/42\/pipelines\/(\d+)\/jobs$/.exec(url.pathname);
    if (match) {
      const pipeline = pipelines.find((p) => p.id === Number(match![1]));
      if (!pipeline) return { status: 404, json: { message: "404 Not found" } };
      return paged(
        url,
        pipeline.jobs.map((j) => jobJson(j, pipeline.id)),
      );
    }
    match = /^\/api\/v4\/projects\/42\/jobs\/(\d+)$/.exec(url.pathname);
    if (match) {
      const id = Number(match[1]);
      const pipeline = pipelines.find((p) => p.jobs.some((j) => j.id === id));
      const job = pipeline?.jobs.find((j) => j.id === id);
      return job
        ? { status: 200, json: jobJson(job, pipeline!.id) }
        : { status: 404, json: { message: "404 Not found" } };
    }
    match = /^\/api\/v4\/projects\/42\/jobs\/(\d+)\/artifacts$/.exec(url.pathname);
    if (match) {
      const id = Number(match[1]);
      const job = pipelines.flatMap((p) => p.jobs).find((j) => j.id === id);
      if (!job?.files) return { status: 404, json: { message: "404 Not Found" } };
      const entries = Object.fromEntries(
        Object.entries(job.files).map(([path, content]) => [
          path,
          typeof content === "string" ? new TextEncoder().encode(content) : content,
        ]),
      );
      return { status: 200, body: zipSync(entries) };
    }
    return undefined;
  });
  return { ...server, projectId: String(PROJECT) };
}
