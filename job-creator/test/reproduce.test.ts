import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { buildProgram } from "../src/program.js";
import { startFakeGitlab, type FakeJob } from "../../test/helpers/gitlab-pipelines.js";
import { runCaptured } from "../../test/helpers/program.js";
import { tempDir } from "../../test/helpers/temp-repo.js";

// jc reproduce against the fake GitLab API, with artifacts shaped as `spack ci rebuild` (v0.21)
// leaves them; the end-to-end suite runs it on a real failed rebuild job.

const TOKEN = "glpat-reproduce-secret";
const PROJECT_DIR = "/builds/group/project";
const REPRO = "jobs_scratch_dir.amd64/e2e-broken/reproduction";
const JOB_NAME = "e2e-broken@1.0 /abc1234 %gcc@12 arch=linux-debian12-x86_64";
afterEach(() => void vi.unstubAllEnvs());

const rebuildJob = (id: number, status: string, extra: Record<string, string> = {}): FakeJob => ({
  id,
  name: JOB_NAME,
  status,
  files: {
    [`${REPRO}/repro.json`]: JSON.stringify({
      job_name: JOB_NAME,
      job_spec_json: "e2e-broken.json",
      ci_project_dir: PROJECT_DIR,
    }),
    [`${REPRO}/install.sh`]: `#!/bin/sh\nset -e\n"spack" "-e" "${PROJECT_DIR}/jobs_scratch_dir.amd64/e2e-broken/concrete_environment" "bootstrap" "now" \n "spack" "-e" "${PROJECT_DIR}/jobs_scratch_dir.amd64/e2e-broken/concrete_environment" "install" "/abc1234"\n`,
    [`${REPRO}/spack.yaml`]: "spack:\n  specs: [e2e-broken]\n",
    [`${REPRO}/spack.lock`]: '{"_meta": {"lockfile-version": 4}}\n',
    [`${REPRO}/e2e-broken.json`]: "{}\n",
    // As the generated jobs name it; the project's settings say what CI_REGISTRY_IMAGE is.
    [`${REPRO}/pipeline.yml`]: `"${JOB_NAME}":\n  image: {name: "$CI_REGISTRY_IMAGE/builder:0123-amd64"}\n`,
    ...extra,
  },
});

async function gitlab(jobs: FakeJob[]) {
  const server = await startFakeGitlab({
    token: TOKEN,
    pipelines: [{ id: 1, jobs, bridges: [] }],
    registryImage: "registry.example.org/hpc",
  });
  onTestFinished(() => server.stop());
  vi.stubEnv("CI_API_V4_URL", `${server.url}/api/v4`);
  vi.stubEnv("CI_PROJECT_ID", server.projectId);
  vi.stubEnv("GITLAB_API_TOKEN", TOKEN);
  return server;
}

describe("jc reproduce", () => {
  it("puts the reproduction where install.sh expects it and prints the commands for the job's image", async () => {
    await gitlab([rebuildJob(7, "failed")]);
    const dir = join(await tempDir(), "repro");
    const result = await runCaptured(buildProgram(), ["reproduce", "7", "--dir", dir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`job 7 failed: ${JOB_NAME}`);
    expect(result.stdout).toContain(
      "rebuild it in the job's image registry.example.org/hpc/builder:0123-amd64 (buildah, as the job did):",
    );
    expect(result.stdout).toContain(`--volume ${dir}:${dir}`);
    const script = await readFile(join(dir, "reproduce.sh"), "utf8");
    expect(script).toContain(
      `"-e" "${dir}/jobs_scratch_dir.amd64/e2e-broken/concrete_environment"`,
    );
    expect(script).not.toContain(PROJECT_DIR);
    expect(
      await readFile(
        join(dir, "jobs_scratch_dir.amd64/e2e-broken/concrete_environment/spack.lock"),
        "utf8",
      ),
    ).toContain("lockfile-version");
    expect(await readFile(join(dir, REPRO, "e2e-broken.json"), "utf8")).toBe("{}\n");
  });

  it("runs it, and the build's exit code becomes its own", async () => {
    await gitlab([rebuildJob(8, "failed")]);
    // A Spack stand-in that checks the environment is active and where reproduce.sh says, and fails the install.
    const bin = await tempDir();
    await writeFile(
      join(bin, "spack"),
      '#!/bin/sh\n[ -f "$SPACK_ENV/spack.lock" ] || { echo "no active environment" >&2; exit 8; }\n[ "$1" = -e ] && [ -f "$2/spack.lock" ] || { echo "no environment at $2" >&2; exit 9; }\n[ "$3" = install ] && exit 3\nexit 0\n',
    );
    await chmod(join(bin, "spack"), 0o755);
    vi.stubEnv("PATH", `${bin}:${process.env["PATH"]}`);
    const dir = join(await tempDir(), "repro");
    const result = await runCaptured(buildProgram(), [
      "reproduce",
      "8",
      "--dir",
      dir,
      "--on-host",
      "--run",
    ]);
    expect(result.stderr).toMatch(/the reproduced build failed as the job did \(exit code 3\)/);
    expect(result.code).toBe(3);
  });

  it.each<[string, FakeJob, string[], RegExp]>([
    [
      "a job that succeeded",
      rebuildJob(9, "success"),
      [],
      /job 9 .* is success: only a failed job/,
    ],
    [
      "a job that is no Spack rebuild",
      {
        id: 9,
        name: "build gromacs container for amd64",
        status: "failed",
        files: { "x.txt": "x" },
      },
      [],
      /no reproduction folder of `spack ci rebuild`/,
    ],
    [
      "a URL that names no job",
      rebuildJob(9, "failed"),
      ["--", "https://h/g/p/-/pipelines/9"],
      /no job URL/,
    ],
    ["a hostile folder", rebuildJob(9, "failed"), ["--dir", "/tmp/a$(id)"], /a folder without/],
  ])("refuses %s with exit 2", async (_name, job, args, message) => {
    await gitlab([job]);
    const ref = args[0] === "--" ? [] : ["9"];
    const result = await runCaptured(buildProgram(), ["reproduce", ...ref, ...args]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it("never writes into a folder that holds something, nor over a file", async () => {
    await gitlab([rebuildJob(10, "failed")]);
    const dir = await tempDir();
    await mkdir(join(dir, "mine"));
    const result = await runCaptured(buildProgram(), ["reproduce", "10", "--dir", dir]);
    expect(result.stderr).toMatch(/exists and is not empty: nothing is overwritten/);
    expect(result.code).toBe(2);
    await writeFile(join(dir, "file"), "mine");
    await gitlab([rebuildJob(10, "failed")]);
    const onFile = await runCaptured(buildProgram(), [
      "reproduce",
      "10",
      "--dir",
      join(dir, "file"),
    ]);
    expect(onFile.stderr).toMatch(/exists and is no folder: nothing is overwritten/);
    expect(onFile.code).toBe(2);
    expect(await readFile(join(dir, "file"), "utf8")).toBe("mine");
  });

  it("fails clearly on a refused token, without printing it", async () => {
    await gitlab([rebuildJob(11, "failed")]);
    vi.stubEnv("GITLAB_API_TOKEN", "glpat-wrong");
    const result = await runCaptured(buildProgram(), ["reproduce", "11"]);
    expect(result.stderr).toMatch(/HTTP 401.*read_api scope/);
    expect(result.stderr).not.toContain("glpat-wrong");
    expect(result.code).toBe(1);
  });
});
