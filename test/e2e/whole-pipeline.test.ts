import { copyFile, mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  BASE_PIPELINE_BRIDGE,
  generateSpacktainerJobName,
  processSpackPipelineJobName,
  spackArtifactsDir,
  spacktainerArtifactsDir,
} from "../../common/src/job-names.js";
import { runProcess } from "../../common/src/run.js";
import { createJobsIn } from "../helpers/generate.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../../job-creator/src/commands/generate-workflow.js";
import { processSpackPipeline } from "../../job-creator/src/commands/process-spack-pipeline.js";
import { expectValidPipeline } from "../helpers/gitlab.js";
import { startFakeGitlab, type FakeJob } from "../helpers/gitlab-pipelines.js";
import { memoryOutput } from "../helpers/output.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../helpers/paths.js";
import { runAsync } from "../helpers/process.js";
import { exampleRepo, tempDir } from "../helpers/temp-repo.js";
import { commandsOf } from "../helpers/job-scripts.js";
import { pipelineJobs } from "../helpers/pipeline-jobs.js";

const TOKEN = "glpat-e2e-0b7e";
const CONFIG = "spacktainers.config.yaml";

/**
 * Real `spack ci generate` outputs and lock files, placed where each container's generate
 * job leaves them. NEURON is disabled for this run: no lock file in the fixtures holds it.
 */
const SPACK_OUTPUTS: Record<string, Record<string, string>> = {
  amd64: { gromacs: "large" },
  arm64: { "py-scientific": "large-incremental" },
};
const LOCK_OF: Record<string, string> = { gromacs: "large", "py-scientific": "large" };

async function filesOf(dir: string): Promise<Record<string, Uint8Array>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, Uint8Array> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length + 1)] = await readFile(path);
  }
  return files;
}

/** What the entry pipeline's bridges include from `job`, as `artifact` paths. */
function includedArtifacts(doc: Record<string, unknown>, job: string): string[] {
  return Object.values(doc).flatMap((entry) => {
    const trigger = (entry as { trigger?: { include?: { artifact?: string; job?: string }[] } })
      ?.trigger;
    return (trigger?.include ?? []).filter((i) => i.job === job).map((i) => i.artifact!);
  });
}

async function gitlabCiLocal(cwd: string, file: string) {
  return runAsync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/gitlab-ci-local/dist/index.js"), "--preview", "--file", file],
    { cwd, env: { ...process.env, FORCE_COLOR: "0" } },
  );
}

describe("the whole pipeline, without GitLab", () => {
  it("generates, processes, gathers through the GitLab API, and every triggered file is valid", async () => {
    // 1. The generate job: jc create-jobs on the bundled examples.
    const repo = await exampleRepo();
    await rename(
      join(repo, "container_definitions/amd64/neuron.yaml"),
      join(repo, "container_definitions/amd64/_neuron.yaml"),
    );
    await createJobsIn(repo, memoryOutput());
    const generated = await readFile(join(repo, "generated/generated_pipeline.yaml"), "utf8");
    expectValidPipeline(generated);

    // 2. The spack generate jobs' artifacts, from real Spack runs.
    for (const [arch, containers] of Object.entries(SPACK_OUTPUTS)) {
      for (const [container, scenario] of Object.entries(containers)) {
        const scratch = join(repo, `jobs_scratch_dir.${arch}`, container);
        await mkdir(scratch, { recursive: true });
        const fixture = join(SPACK_FIXTURES, "scenarios-v0.21", scenario);
        await copyFile(join(fixture, "pipeline.yml"), join(scratch, "pipeline.yml"));
        await copyFile(
          join(SPACK_FIXTURES, "scenarios-v0.21", LOCK_OF[container]!, "spack.lock"),
          join(scratch, "spack.lock"),
        );
      }
    }

    // 3. Per arch, the process and workflow jobs, as the generated pipeline runs them;
    //    amd64's container pipeline with room for 4 jobs per file, so that it runs as child
    //    pipelines (gromacs with what is built on it, then nexus-storage).
    const splitConfig = "spacktainers.split.yaml";
    await writeFile(
      join(repo, splitConfig),
      `${await readFile(join(repo, CONFIG), "utf8")}\nlimits:\n  maxJobsPerFile: 4\n`,
    );
    for (const arch of Object.keys(SPACK_OUTPUTS)) {
      await processSpackPipeline(
        {
          repoRoot: repo,
          configFile: CONFIG,
          arch,
          inputDir: join(repo, `jobs_scratch_dir.${arch}`),
          outputDir: join(repo, spackArtifactsDir(arch)),
          artifactsDir: spackArtifactsDir(arch),
        },
        memoryOutput(),
      );
      await generateSpacktainerWorkflow(
        {
          repoRoot: repo,
          configFile: arch === "amd64" ? splitConfig : CONFIG,
          arch,
          outputDir: join(repo, spacktainerArtifactsDir(arch)),
          artifactsDir: spacktainerArtifactsDir(arch),
          generatedDir: "generated",
          lockDir: join(repo, `jobs_scratch_dir.${arch}`),
        },
        offlineWorkflowServices(runProcess),
        memoryOutput(),
      );
    }

    // 4. The child pipeline as GitLab's API shows it: every job of the generated file, the
    //    producers with their artifact archives.
    let id = 3000;
    const jobs: FakeJob[] = [];
    for (const name of Object.keys(pipelineJobs(generated))) {
      const arch = Object.keys(SPACK_OUTPUTS).find(
        (a) => name === processSpackPipelineJobName(a) || name === generateSpacktainerJobName(a),
      );
      const folder =
        arch &&
        (name === processSpackPipelineJobName(arch)
          ? spackArtifactsDir(arch)
          : spacktainerArtifactsDir(arch));
      const files = folder
        ? Object.fromEntries(
            Object.entries(await filesOf(join(repo, folder))).map(([p, c]) => [
              `${folder}/${p}`,
              c,
            ]),
          )
        : undefined;
      jobs.push({ id: ++id, name, ...(files ? { files } : {}) });
    }
    const gitlab = await startFakeGitlab({
      token: TOKEN,
      pipelines: [
        { id: 100, jobs: [], bridges: [{ id: 1, name: BASE_PIPELINE_BRIDGE, downstream: 101 }] },
        { id: 101, jobs, bridges: [] },
      ],
    });

    // 5. The gather job: get-artifacts, as the entry pipeline runs it.
    const entryText = await readFile(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8");
    const entry = expectValidPipeline(entryText);
    const gatherScript = commandsOf(entry["gather child artifacts"] as { script: string[] })[0]!;
    const gathered = await tempDir();
    let result;
    try {
      result = await runAsync(
        process.execPath,
        [
          "--import",
          pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href,
          join(REPO_ROOT, "get-artifacts/src/main.ts"),
          ...gatherScript.split(" ").slice(2),
          "--output-dir",
          gathered,
        ],
        {
          // The gather job's working directory: the checkout with the generate job's artifacts.
          cwd: repo,
          env: {
            ...process.env,
            CI_PIPELINE_ID: "100",
            CI_PROJECT_ID: gitlab.projectId,
            CI_API_V4_URL: `${gitlab.url}/api/v4`,
            GITLAB_API_TOKEN: TOKEN,
          },
        },
      );
    } finally {
      await gitlab.stop();
    }
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await readFile(join(gathered, "build.env"), "utf8")).toContain(
      "GENERATION_PIPELINE_ID=101\n",
    );

    // 6. Every file a bridge triggers exists, down the chain, and is a valid pipeline.
    const pipelineFiles = new Set<string>();
    const pending = includedArtifacts(entry, "gather child artifacts");
    expect(pending.sort()).toEqual([
      "spack.artifacts.amd64/spack_pipeline.yaml",
      "spack.artifacts.arm64/spack_pipeline.yaml",
      "spacktainer.artifacts.amd64/spacktainer_pipeline.yaml",
      "spacktainer.artifacts.arm64/spacktainer_pipeline.yaml",
    ]);
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (pipelineFiles.has(file)) continue;
      pipelineFiles.add(file);
      const doc = expectValidPipeline(await readFile(join(gathered, file), "utf8"));
      // The spack trigger pipeline includes its steps from its own collect job.
      pending.push(...includedArtifacts(doc, "collect artifacts"));
    }
    expect(pipelineFiles.size).toBeGreaterThan(4);
    const amd64 = (part: number) =>
      readFile(
        join(gathered, `spacktainer.artifacts.amd64/spacktainer_pipeline-${part}.yaml`),
        "utf8",
      );
    expect(pipelineFiles).toContain("spacktainer.artifacts.amd64/spacktainer_pipeline-2.yaml");
    expect(Object.keys(pipelineJobs(await amd64(1)))).toContain(
      "build gromacs container for amd64",
    );
    expect(Object.keys(pipelineJobs(await amd64(2)))).toContain(
      "create nexus-storage sif file for amd64",
    );
    expect(
      await readFile(join(gathered, "spacktainer.artifacts.amd64/gromacs/Dockerfile"), "utf8"),
    ).toContain("FROM ${BUILDER_IMAGE} AS builder");

    // 7. A second opinion: gitlab-ci-local reads the entry file and every child file.
    await runProcess("git", ["init", "-q", gathered]);
    await copyFile(join(REPO_ROOT, ".gitlab-ci.yml"), join(gathered, ".gitlab-ci.yml"));
    await mkdir(join(gathered, "generated"), { recursive: true });
    await copyFile(
      join(repo, "generated/generated_pipeline.yaml"),
      join(gathered, "generated/generated_pipeline.yaml"),
    );
    for (const file of [".gitlab-ci.yml", "generated/generated_pipeline.yaml", ...pipelineFiles]) {
      const preview = await gitlabCiLocal(gathered, file);
      expect(preview.code, `${file}: ${preview.stderr}${preview.stdout.slice(-2000)}`).toBe(0);
    }
  }, 180_000);
});
