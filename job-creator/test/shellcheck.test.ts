import { spawnSync } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scriptsBelow } from "../../test/helpers/job-scripts.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import {
  addLocks,
  exampleRepo,
  processArgs,
  signCache,
  tempDir,
  workflowArgs,
} from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

/**
 * shellcheck at severity warning, as bash (GitLab's shell). SC2164 (`cd` without `|| exit`) is
 * left out: GitLab stops a job at its first failing line, so a failed `cd` runs nothing after it.
 */
const shellcheck = (files: readonly string[]) =>
  spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-e", "SC2164", "-f", "gcc", ...files], {
    encoding: "utf8",
  });

describe("every generated script passes shellcheck", () => {
  it("the repository's shell files", () => {
    const files = [
      "singularitah/sif-store.sh",
      "builder/spack-setup.sh",
      "spacktainer/fetch-input.sh",
      "spacktainer/register-qemu.sh",
      "scripts/test.sh",
      ".ci/run",
    ];
    const result = spawnSync(
      "shellcheck",
      ["-S", "warning", "-f", "gcc", ...files.map((f) => join(REPO_ROOT, f))],
      {
        encoding: "utf8",
      },
    );
    expect(
      result.error,
      "shellcheck is not installed: scripts/test.sh installs it",
    ).toBeUndefined();
    expect(result.stdout).toBe("");
  });

  it("create-jobs, the entry pipeline, the container workflows and the processed Spack pipelines (v0.21 and v1.0)", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    // amd64's cache signed: its rebuild jobs start with the key check, its builds verify.
    await signCache(repo);
    const spackOutput = join(repo, "spack-output");
    await mkdir(spackOutput);
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/large/pipeline.yml"),
      join(spackOutput, "large.yml"),
    );
    await copyFile(join(SPACK_FIXTURES, "versions/v1.0-small.yaml"), join(spackOutput, "v1.yml"));
    const runs = [
      ["create-jobs", "--offline", "-r", repo],
      ["entry-pipeline", "-r", repo, "-o", join(repo, "entry.yml")],
      ...["amd64", "arm64"].map((a) =>
        workflowArgs(repo, a, locks, join(repo, `wf-${a}`), `wf-${a}`),
      ),
      processArgs(repo, spackOutput, join(repo, "cache"), "cache"),
    ];
    for (const args of runs) expect((await runCaptured(buildProgram(), args)).code).toBe(0);
    const jobs = await scriptsBelow(repo);
    expect(jobs.length).toBeGreaterThan(300);
    const dir = await tempDir();
    const files = await Promise.all(
      jobs.map(async (job, i) => {
        const file = join(dir, `job-${i}.sh`);
        await writeFile(
          file,
          `#!/bin/bash\n# ${job.name.replace(/\n/g, " ")}\n${job.lines.join("\n")}\n`,
        );
        return file;
      }),
    );
    const result = shellcheck(files);
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe("");
  }, 60_000);
});
