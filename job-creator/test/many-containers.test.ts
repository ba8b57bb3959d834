import { pipelineJobs } from "../../test/helpers/pipeline-jobs.js";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CiJob } from "../../common/src/ci/types.js";
import {
  GENERATED_PIPELINE_FILE,
  cleanBuildCacheJobName,
  generateSpackJobName,
  generateSpacktainerJobName,
  processSpackPipelineJobName,
} from "../../common/src/job-names.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import { expectValidPipeline } from "../../test/helpers/gitlab.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { runJc } from "./cli.js";

/** The example repository with `count` more Spack containers on amd64. */
async function repoWith(count: number, limits = ""): Promise<string> {
  const repo = await exampleRepo();
  for (let i = 0; i < count; i++)
    await writeFile(
      join(repo, `container_definitions/amd64/app-${i}.yaml`),
      "spack:\n  specs: [zlib]\n",
    );
  if (limits) await appendFile(join(repo, "spacktainers.config.yaml"), `limits:\n${limits}`);
  return repo;
}

const neededBy = (job: CiJob | undefined) =>
  (job?.needs ?? []).map((n) => (typeof n === "string" ? n : "job" in n ? n.job : ""));

/*
 * GitLab refuses a job of more than 50 needs. The jobs that read every generate job's output
 * (processing, workflow, cache cleaning) need them through gather jobs when an arch has more.
 */
describe("an architecture with more Spack containers than a job may need", () => {
  it("passes the generate jobs' outputs on through gather jobs of at most 50 needs each", async () => {
    const repo = await repoWith(120);
    await createJobsIn(repo, memoryOutput());
    const text = await readFile(join(repo, "generated", GENERATED_PIPELINE_FILE), "utf8");
    expectValidPipeline(text);
    const jobs = pipelineJobs(text) as Record<string, CiJob>;
    const generate = Object.keys(jobs).filter(
      (name) =>
        name.endsWith(" for amd64") && name.startsWith("generate build cache population job for "),
    );
    expect(generate).toHaveLength(122); // gromacs, neuron and the 120
    const gather = Object.keys(jobs).filter((name) => name.startsWith("gather spack outputs for "));
    expect(gather).toEqual([1, 2, 3].map((i) => `gather spack outputs for amd64 (${i}/3)`));
    // Each generate job is gathered once; each gather job stays within the limit.
    const gathered = gather.flatMap((name) => neededBy(jobs[name]));
    expect(gathered.sort()).toEqual([...generate].sort());
    for (const name of gather) {
      expect(neededBy(jobs[name]).length).toBeLessThanOrEqual(50);
      expect(jobs[name]!.stage).toBe("spack gather");
      expect(jobs[name]!.artifacts?.paths).toEqual(["jobs_scratch_dir.amd64/"]);
    }
    for (const reader of [
      processSpackPipelineJobName("amd64"),
      generateSpacktainerJobName("amd64"),
      cleanBuildCacheJobName("amd64"),
    ]) {
      const needs = neededBy(jobs[reader]).filter((n) => n !== "");
      expect(
        needs.filter((n) => n.startsWith("gather ")),
        reader,
      ).toEqual(gather);
      expect(needs.some((n) => n.startsWith("generate build cache population job"))).toBe(false);
    }
    // arm64's one Spack container is needed directly.
    expect(neededBy(jobs[processSpackPipelineJobName("arm64")])).toEqual([
      generateSpackJobName("py-scientific", "arm64"),
    ]);
  });

  it("refuses, with exit 2, a pipeline over limits.maxJobsPerFile, saying what to do", async () => {
    const repo = await repoWith(60, "  maxJobsPerFile: 50\n");
    const result = runJc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /the generated pipeline would hold \d+ jobs, over limits\.maxJobsPerFile \(50; .*raise it where your instance allows more/,
    );
  });

  it("refuses, with exit 2, more containers than gather jobs can pass on", async () => {
    const repo = await repoWith(30, "  maxNeedsPerJob: 5\n");
    const result = runJc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/32 Spack containers on one architecture need 7 gather jobs/);
  });
});
