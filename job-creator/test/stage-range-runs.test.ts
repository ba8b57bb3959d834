import { pipelineJobs } from "../../test/helpers/pipeline-jobs.js";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_PIPELINE_FILE } from "../../common/src/job-names.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import { commandsOf } from "../../test/helpers/job-scripts.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { selectionFrom } from "../src/definitions/selection.js";
import { runProcess } from "../../common/src/run.js";
import { workflowOptions } from "../../test/helpers/generate.js";
import { generateSpacktainerWorkflow } from "../src/commands/generate-workflow.js";
import { onlineWorkflowServices } from "../src/commands/online-services.js";
import { FAST, LARGE_LOCK, SECRETS, decisionOf, useWorkflowFixture } from "./workflow-fixture.js";

// `--from` / `--to`: part of the chain, on the bundled examples.
const { setup, generate, completeJobs } = useWorkflowFixture();
const stages = (from?: string, to?: string) =>
  selectionFrom({ ...(from ? { from } : {}), ...(to ? { to } : {}) });

async function generatedJobs(from?: string, to?: string) {
  const repo = await exampleRepo();
  const output = memoryOutput();
  await createJobsIn(repo, output, { selection: stages(from, to) });
  const text = await readFile(join(repo, "generated", GENERATED_PIPELINE_FILE), "utf8");
  const doc = pipelineJobs(text);
  return { doc, jobs: Object.keys(doc), output };
}

describe("create-jobs --from / --to", () => {
  it("--from containers: no base images, no package builds; the workflow job is told", async () => {
    const { doc, jobs, output } = await generatedJobs("containers", "sif");
    expect(jobs.filter((j) => /image|multiarch|process|clean/.test(j))).toEqual([]);
    expect(jobs).toContain("generate build cache population job for gromacs for amd64");
    expect(commandsOf(doc["generate spacktainer jobs for amd64"]).at(-1)).toMatch(
      / --from containers --to sif$/,
    );
    expect(output.lines).toContain(
      "  stages: containers, sif (the others use what earlier runs left)",
    );
  });

  it("--to base-images builds only the base images; --to cache no container jobs", async () => {
    const base = await generatedJobs(undefined, "base-images");
    expect(base.jobs.every((j) => /^build \w+ image for |^create multiarch/.test(j))).toBe(true);
    expect(base.jobs).toContain("build builder image for amd64");
    const cache = await generatedJobs(undefined, "cache");
    expect(cache.jobs).toContain("process spack pipeline for amd64");
    expect(cache.jobs.filter((j) => j.startsWith("generate spacktainer jobs"))).toEqual([]);
  });
});

describe("generate-spacktainer-workflow --from / --to", () => {
  it("--from sif converts from the image in the registry, without building", async () => {
    const s = await setup();
    const first = await generate(s.repo);
    await completeJobs(s, first.decisions);
    await s.store.deleteBatch([decisionOf(first.decisions, "gromacs").target.sifKey]);
    const sif = await generate(s.repo, { selection: stages("sif") });
    expect(sif.jobs.sort()).toEqual([
      "create gromacs sif file for amd64",
      "deploy gromacs sif file for amd64",
    ]);
    expect((sif.doc["create gromacs sif file for amd64"] as { needs: unknown[] }).needs).toEqual(
      [],
    );
  });

  it("refuses to start after a stage whose output is missing, and --from deploy deploys what is there", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const deploy = await generate(s.repo, { selection: stages("deploy") });
    expect(deploy.jobs.sort()).toEqual([
      "deploy gromacs sif file for amd64",
      "deploy gromacs-analysis sif file for amd64",
      "deploy nexus-storage sif file for amd64",
    ]);
    expect(deploy.log).toContain("deploy (--from deploy: the SIF file in the bucket)");

    const epilogue = join(s.repo, "container_definitions/amd64/gromacs/Dockerfile.epilogue");
    await writeFile(epilogue, `${await readFile(epilogue, "utf8")}ENV CHANGED=1\n`);
    await expect(generate(s.repo, { selection: stages("sif") })).rejects.toThrow(
      /gromacs:2023\.3: its image is not usable \(image differs: .*\); run from containers/,
    );
    // Up to the build only: the image, nothing after it.
    const built = await generate(s.repo, { selection: stages(undefined, "containers") });
    expect(built.jobs).toEqual([
      "archive replaced images for amd64",
      "build gromacs container for amd64",
    ]);
  });
});

/** A legacy build cache index holding the first `count` specs of the large lock file. */
async function cacheIndexOf(count: number) {
  const lock = JSON.parse(await readFile(LARGE_LOCK, "utf8")) as {
    concrete_specs: Record<string, Record<string, unknown>>;
  };
  const installs = Object.fromEntries(
    Object.entries(lock.concrete_specs)
      .slice(0, count)
      .map(([hash, spec]) => [hash, { spec, in_buildcache: true }]),
  );
  return { json: JSON.stringify({ database: { version: "6", installs } }), lock };
}

describe("what the build cache holds", () => {
  it("the plan says which packages a build would not find in the cache; --from containers refuses then", async () => {
    const s = await setup();
    await s.s3.createBucket(s.cacheBucket);
    const { json, lock } = await cacheIndexOf(3);
    await s.s3.put(s.cacheBucket, "build_cache/index.json", json);
    const total = Object.values(lock.concrete_specs).filter((spec) => !spec["external"]).length;
    const output = memoryOutput();
    await generateSpacktainerWorkflow(
      workflowOptions(s.repo, {
        outputDir: join(s.repo, "never-written"),
        lockDir: join(s.repo, "jobs_scratch_dir.amd64"),
        planOnly: true,
      }),
      onlineWorkflowServices(SECRETS, runProcess, FAST),
      output,
    );
    expect(output.lines.join("\n")).toMatch(
      new RegExp(
        `gromacs:2023\\.3: build .*; 3 of ${total} packages in the build cache's index \\(to build: `,
      ),
    );
    await expect(generate(s.repo, { selection: stages("containers") })).rejects.toThrow(
      new RegExp(
        `gromacs:2023\\.3: the build cache's index lacks ${total - 3} of its ${total} packages \\(.*\\); run from cache`,
      ),
    );
    // Everything in the cache: the run may start at the containers.
    await s.s3.put(s.cacheBucket, "build_cache/index.json", (await cacheIndexOf(10_000)).json);
    const full = await generate(s.repo, { selection: stages("containers") });
    expect(full.jobs).toContain("build gromacs container for amd64");
  });
});
