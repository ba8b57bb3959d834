import { appendFile, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GITLAB_DEFAULT_LIMITS, type CiLimits } from "../../common/src/ci/limits.js";
import { localNeedTarget, type CiNeed } from "../../common/src/ci/types.js";
import { runProcess } from "../../common/src/run.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../src/commands/generate-workflow.js";
import { archiveJobName } from "../src/pipeline/archive-job.js";
import { createJobsIn, workflowOptions } from "../../test/helpers/generate.js";
import { expectValidPipeline } from "../../test/helpers/gitlab.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { pipelineJobs, type ResolvedJob } from "../../test/helpers/pipeline-jobs.js";
import { addLocks, exampleRepo } from "../../test/helpers/temp-repo.js";

// Five apps of two jobs each in parts of six jobs: without the groups, gromacs and what is built
// on it would fall into different parts.
const MAX_JOBS = 7;
const ARCHIVE = archiveJobName("amd64");

/** The example repository with five more Spack containers on amd64, each with its lock file. */
async function repoWithApps() {
  const repo = await exampleRepo();
  const locks = await addLocks(repo);
  for (let i = 0; i < 5; i++) {
    await writeFile(
      join(repo, `container_definitions/amd64/app-${i}.yaml`),
      "spack:\n  specs:\n    - gromacs@2024.3 +mpi ~double\n",
    );
    await mkdir(join(locks, `app-${i}`), { recursive: true });
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
      join(locks, `app-${i}`, "spack.lock"),
    );
  }
  await createJobsIn(repo, memoryOutput());
  return { repo, locks };
}

async function workflow(repo: string, locks: string) {
  const output = memoryOutput();
  await generateSpacktainerWorkflow(
    workflowOptions(repo, { lockDir: locks }),
    offlineWorkflowServices(runProcess),
    output,
  );
  const read = (file: string) => readFile(join(repo, "out", file), "utf8");
  return { read, log: output.lines.join("\n") };
}

const needsOf = (job: ResolvedJob | undefined) =>
  (job?.needs ?? []).flatMap((need: CiNeed) => localNeedTarget(need) ?? []);

/*
 * GitLab refuses a pipeline of more jobs than the instance allows (500 on GitLab.com Free);
 * a container pipeline over `limits.maxJobsPerFile` or `limits.maxFileBytes` runs as child
 * pipelines instead, each within them.
 */
/**
 * The workflow run again with `limits` (config keys) after a run without them: the files it
 * wrote as parts, each checked against those limits, and every job with its part.
 */
async function splitRun(limits: Partial<CiLimits>) {
  const { repo, locks } = await repoWithApps();
  const whole = pipelineJobs(await (await workflow(repo, locks)).read("spacktainer_pipeline.yaml"));
  const lines = Object.entries(limits).map(([key, value]) => `  ${key}: ${value}\n`);
  await appendFile(join(repo, "spacktainers.config.yaml"), `limits:\n${lines.join("")}`);
  const { read, log } = await workflow(repo, locks);
  const triggerText = await read("spacktainer_pipeline.yaml");
  expectValidPipeline(triggerText);
  const trigger = pipelineJobs(triggerText);
  const bridges = Object.keys(trigger).filter((name) => trigger[name]!.trigger);
  const together: Record<string, ResolvedJob> = {};
  const partOf = new Map<string, number>();
  for (const [i] of bridges.entries()) {
    const text = await read(`spacktainer_pipeline-${i + 1}.yaml`);
    expectValidPipeline(text, { ...GITLAB_DEFAULT_LIMITS, ...limits });
    const jobs = pipelineJobs(text);
    for (const [name, job] of Object.entries(jobs)) {
      // Every job a job needs is in its own part.
      for (const need of needsOf(job)) expect(jobs, `${name} needs ${need}`).toHaveProperty([need]);
      if (name === ARCHIVE) continue;
      together[name] = job;
      partOf.set(name, i);
    }
  }
  // The parts hold the jobs of the whole pipeline, each once and unchanged.
  const { [ARCHIVE]: _, ...wholeJobs } = whole;
  expect(together).toEqual(wholeJobs);
  return { whole, trigger, bridges, partOf, log };
}

/*
 * GitLab refuses a pipeline of more jobs than the instance allows (500 on GitLab.com Free);
 * a container pipeline over `limits.maxJobsPerFile` or `limits.maxFileBytes` runs as child
 * pipelines instead, each within them.
 */
describe("a container pipeline over the limits of one file", () => {
  it("runs as child pipelines of whole container groups, the same jobs in all", async () => {
    const { whole, trigger, bridges, partOf, log } = await splitRun({ maxJobsPerFile: MAX_JOBS });
    expect(Object.keys(whole).length).toBeGreaterThan(MAX_JOBS);
    expect(bridges.length).toBeGreaterThan(1);
    expect(log).toContain(`run as ${bridges.length} child pipelines`);
    const files = bridges.map((_, i) => `out/spacktainer_pipeline-${i + 1}.yaml`);
    expect(trigger["collect artifacts"]!.artifacts?.paths).toEqual(files);
    bridges.forEach((bridge, i) => {
      expect(trigger[bridge]).toMatchObject({
        trigger: {
          include: [{ artifact: files[i], job: "collect artifacts" }],
          strategy: "depend",
        },
        variables: { PARENT_PIPELINE_ID: "$PARENT_PIPELINE_ID" },
      });
      // Independent parts run side by side.
      expect(needsOf(trigger[bridge])).toEqual(["collect artifacts"]);
    });
    // gromacs-analysis is built on gromacs: their jobs share a part.
    expect(partOf.get("create gromacs-analysis sif file for amd64")).toBe(
      partOf.get("build gromacs container for amd64"),
    );
  });

  it("cuts by bytes too, each file within limits.maxFileBytes", async () => {
    const { bridges } = await splitRun({ maxFileBytes: 10_000 });
    expect(bridges.length).toBeGreaterThan(1);
  });
});
