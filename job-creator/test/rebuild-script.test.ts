import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

/** `script::` is Spack's syntax for "replace, do not merge" the default script. */
type Job = { "script:"?: string[] };
type Environment = { spack: { ci: { "pipeline-gen": Record<string, Job>[] } } };

describe("the rebuild job script of a generated environment", () => {
  it("leaves user_data where the job's artifacts are collected (relative to the project folder)", async () => {
    const repo = await exampleRepo();
    expect((await runCaptured(buildProgram(), ["create-jobs", "--offline", "-r", repo])).code).toBe(
      0,
    );
    const env = load(
      await readFile(join(repo, "generated/spack_envs/amd64/gromacs/spack.yaml"), "utf8"),
    ) as Environment;
    const script = env.spack.ci["pipeline-gen"].find((e) => e["build-job"])!["build-job"]![
      "script:"
    ]!;
    // GitLab runs the lines in one shell from the project folder; `spack` is a stand-in.
    const project = await tempDir();
    const bin = join(project, ".bin");
    await mkdir(bin);
    await writeFile(join(bin, "spack"), "#!/bin/sh\nexit 0\n");
    await chmod(join(bin, "spack"), 0o755);
    await mkdir(join(project, "jobs_scratch_dir/gromacs/concrete_environment"), {
      recursive: true,
    });
    const result = spawnSync("bash", ["-e", "-c", script.join("\n")], {
      cwd: project,
      encoding: "utf8",
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        SPACK_ARTIFACTS_ROOT: "jobs_scratch_dir/gromacs",
        SPACK_CONCRETE_ENV_DIR: join(project, "jobs_scratch_dir/gromacs/concrete_environment"),
      },
    });
    expect(result.status, result.stderr).toBe(0);
    expect((await stat(join(project, "jobs_scratch_dir/gromacs/user_data"))).isDirectory()).toBe(
      true,
    );
  });
});
