import { pipelineJobs } from "../../test/helpers/pipeline-jobs.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CiJob } from "../../common/src/ci/types.js";
import { offlineServices } from "../src/commands/create-jobs.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../src/commands/generate-workflow.js";
import { gitlabRunnersApi } from "../src/gitlab/runners-api.js";
import { buildProgram } from "../src/program.js";
import { createJobsIn, workflowOptions } from "../../test/helpers/generate.js";
import type { FakeRunner } from "../../test/helpers/gitlab-runners.js";
import { commandsOf } from "../../test/helpers/job-scripts.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { runCaptured } from "../../test/helpers/program.js";
import { addLocks } from "../../test/helpers/temp-repo.js";
import { runProcess } from "../../common/src/run.js";
import { configuredRepo, gitlabWith } from "./runners-fixture.js";

// jc create-jobs with checkRunners: an arch without an online runner is emulated or left out.

afterEach(() => void vi.unstubAllEnvs());

const K8S: FakeRunner = { id: 1, description: "k8s", tags: ["kubernetes"], architecture: "amd64" };
const GRAVITON: FakeRunner = {
  id: 2,
  description: "graviton",
  tags: ["aws_graviton"],
  architecture: "arm64",
};

/** create-jobs on the examples with checkRunners, asking the fake GitLab; the jobs it wrote. */
async function generate(
  runners: readonly FakeRunner[] | (() => readonly FakeRunner[]),
  emulation?: { runnerTags: string[]; spack?: boolean },
  repoGiven?: string,
) {
  const repo =
    repoGiven ??
    (await configuredRepo((config) => {
      config["checkRunners"] = true;
      if (emulation) config.architectures["arm64"]!["emulation"] = emulation;
    }));
  const server = await gitlabWith(runners);
  const output = memoryOutput();
  await createJobsIn(repo, output, {
    services: (config) => ({
      ...offlineServices(config),
      runners: gitlabRunnersApi({
        apiUrl: `${server.url}/api/v4`,
        projectId: server.projectId,
        token: process.env["GITLAB_API_TOKEN"]!,
      }),
    }),
  });
  const file = join(repo, "generated/generated_pipeline.yaml");
  const jobs = pipelineJobs(await readFile(file, "utf8")) as Record<string, CiJob>;
  return { repo, jobs, plan: output.lines.join("\n") };
}

const namesWith = (jobs: Record<string, CiJob>, text: string) =>
  Object.keys(jobs).filter((name) => name.includes(text));

describe("create-jobs with checkRunners", () => {
  it("plans every arch natively when each has an online runner", async () => {
    const { jobs, plan } = await generate([K8S, GRAVITON]);
    expect(namesWith(jobs, "runners warning")).toEqual([]);
    expect(jobs["build builder image for arm64"]?.tags).toEqual(["aws_graviton"]);
    expect(namesWith(jobs, "arm64").length).toBeGreaterThan(2);
    expect(plan).not.toContain("warning:");
  });

  it("leaves an arch without runner and without emulation out, and says so in the plan and the pipeline", async () => {
    const { jobs, plan } = await generate([K8S, { ...GRAVITON, status: "offline" }]);
    expect(namesWith(jobs, "arm64")).toEqual(["runners warning for arm64"]);
    expect(plan).toMatch(/^warning: arm64 is left out of this pipeline: .*#2 offline/m);
    const warning = jobs["runners warning for arm64"]!;
    expect(warning.allow_failure).toEqual({ exit_codes: [3] });
    expect(warning.script.join("\n")).toMatch(/left out of this pipeline.*\nexit 3/s);
    // amd64 goes on as before.
    expect(jobs["generate spacktainer jobs for amd64"]?.tags).toEqual(["kubernetes"]);
  });

  it("builds only the base images under emulation, never Spack jobs unless allowed", async () => {
    const { jobs, plan } = await generate([K8S], { runnerTags: ["qemu-x86"] });
    expect(plan).toMatch(/^warning: arm64's base images are built under emulation .*qemu-x86/m);
    const builder = jobs["build builder image for arm64"]!;
    expect(builder.tags).toEqual(["qemu-x86"]);
    const commands = commandsOf(builder);
    const register = commands.findIndex((c) => c === "sh spacktainer/register-qemu.sh arm64");
    const build = commands.findIndex((c) => c.startsWith("buildah build --platform linux/arm64"));
    expect(register).toBeGreaterThanOrEqual(0);
    expect(register).toBeLessThan(build);
    expect(namesWith(jobs, "arm64").filter((n) => !n.includes(" image for "))).toEqual([
      "runners warning for arm64",
    ]);
    // amd64's builds are native: no qemu there.
    expect(commandsOf(jobs["build builder image for amd64"])).not.toContain(
      "sh spacktainer/register-qemu.sh amd64",
    );
  });

  it("runs the Spack jobs on the fallback too when emulation.spack allows it", async () => {
    const { jobs } = await generate([K8S], { runnerTags: ["qemu-x86"], spack: true });
    const arm = namesWith(jobs, "arm64").filter((n) => !n.startsWith("runners warning"));
    expect(arm.length).toBeGreaterThan(4);
    for (const name of arm) expect(jobs[name]!.tags, name).toEqual(["qemu-x86"]);
    expect(commandsOf(jobs["generate spacktainer jobs for arm64"]).join("\n")).toContain(
      " --emulated",
    );
  });

  it("notices a runner that went offline between two pipelines", async () => {
    let status: FakeRunner["status"] = "online";
    const runners = () => [K8S, { ...GRAVITON, status }];
    const first = await generate(runners, { runnerTags: ["qemu-x86"] });
    expect(first.jobs["build builder image for arm64"]!.tags).toEqual(["aws_graviton"]);
    status = "offline";
    const second = await generate(runners, undefined, first.repo);
    expect(second.jobs["build builder image for arm64"]!.tags).toEqual(["qemu-x86"]);
  });

  it("needs GitLab's API online, and says which variables", async () => {
    const repo = await configuredRepo((config) => (config["checkRunners"] = true));
    vi.stubEnv("GITLAB_API_TOKEN", "");
    const result = await runCaptured(buildProgram(), ["create-jobs", "--repo", repo]);
    expect(result.stderr).toMatch(
      /checkRunners: true asks GitLab's API, which needs .*GITLAB_API_TOKEN/,
    );
    expect(result.code).toBe(2);
    const offline = await runCaptured(buildProgram(), ["create-jobs", "--offline", "--repo", repo]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain("runners: not checked (offline)");
  });
});

describe("generate-spacktainer-workflow --emulated", () => {
  it("builds the containers on the fallback runners, registering qemu first", async () => {
    const repo = await configuredRepo((config) => {
      config.architectures["arm64"]!["emulation"] = { runnerTags: ["qemu-x86"], spack: true };
    });
    const locks = await addLocks(repo);
    await createJobsIn(repo, memoryOutput());
    await generateSpacktainerWorkflow(
      workflowOptions(repo, { arch: "arm64", lockDir: locks, emulated: true }),
      offlineWorkflowServices(runProcess),
      memoryOutput(),
    );
    const pipeline = pipelineJobs(
      await readFile(join(repo, "out/spacktainer_pipeline.yaml"), "utf8"),
    ) as Record<string, CiJob>;
    const build = pipeline["build py-scientific container for arm64"]!;
    expect(build.tags).toEqual(["qemu-x86"]);
    expect(commandsOf(build)).toContain("sh spacktainer/register-qemu.sh arm64");
  });

  it("refuses --emulated for an arch without emulation settings", async () => {
    const repo = await configuredRepo();
    const result = await runCaptured(buildProgram(), [
      "generate-spacktainer-workflow",
      "--arch",
      "arm64",
      "--emulated",
      "--offline",
      "-o",
      "out",
      "--repo",
      repo,
    ]);
    expect(result.stderr).toMatch(/--emulated: architecture arm64 has no emulation: settings/);
    expect(result.code).toBe(2);
  });
});
