import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord, PipelineRecord } from "./runner/pipeline-runner.js";
import { startSuite, type E2eSuite } from "./fixture/suite.js";

/**
 * The generated pipelines, run: every job of the entry pipeline, its child pipeline and
 * the grandchildren is executed as GitLab would run it (see runner/), with real Spack,
 * buildah, skopeo, s3cmd, s3rver, docker-registry and the fake GitLab API. Stand-ins
 * (Apptainer; Spack inside the container build; npm ci) are listed in the report.
 */

let suite: E2eSuite;
let root = "";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "spacktainers-e2e-"));
  suite = await startSuite(root);
}, 300_000);

afterAll(async () => {
  await suite?.stop();
  if (!process.env.KEEP_E2E) await rm(root, { recursive: true, force: true });
});

/** Every job of a pipeline and of the pipelines it triggered. */
function allJobs(pipeline: PipelineRecord): { pipeline: PipelineRecord; job: JobRecord }[] {
  return pipeline.jobs.flatMap((job) => [
    { pipeline, job },
    ...(job.downstream ? allJobs(job.downstream) : []),
  ]);
}

function report(pipeline: PipelineRecord): string {
  return allJobs(pipeline)
    .map(({ pipeline: p, job }) => `${p.id} ${job.status.padEnd(7)} ${job.name}`)
    .join("\n");
}

function failures(pipeline: PipelineRecord): string {
  return allJobs(pipeline)
    .filter(({ job }) => job.status === "failed")
    .map(({ job }) => `--- ${job.name}\n${job.output.slice(-4000)}`)
    .join("\n");
}

describe("the generated pipelines, run", { concurrent: false }, () => {
  it("builds the Spack cache and every container on the first run", async () => {
    const entry = await suite.runner().run(join(suite.project, ".gitlab-ci.yml"));
    console.log(report(entry));
    expect(failures(entry)).toBe("");
    expect(entry.status).toBe("success");
  }, 900_000);
});
