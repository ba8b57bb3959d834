import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { buildProgram } from "../src/program.js";
import {
  startLiveGitlab,
  type LiveFakeJob,
  type LiveFakePipeline,
} from "../../test/helpers/gitlab-live.js";
import { runCaptured } from "../../test/helpers/program.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { spawnJc } from "./cli.js";
import { configuredRepo } from "./runners-fixture.js";

// jc build and jc watch against a local server shaped as GitLab's pipelines and jobs API,
// whose pipelines run while they are followed; the SIF file comes from s3rver.

const TOKEN = "glpat-follow-secret";
const s3 = useTestS3("follow");
afterEach(() => void vi.unstubAllEnvs());

const job = (id: number, name: string, status = "pending", log = ""): LiveFakeJob => ({
  id,
  name,
  stage: "build",
  status,
  log,
});

async function serve(options: Parameters<typeof startLiveGitlab>[0]) {
  const server = await startLiveGitlab(options);
  onTestFinished(() => server.stop());
  vi.stubEnv("CI_API_V4_URL", `${server.url}/api/v4`);
  vi.stubEnv("CI_PROJECT_ID", server.projectId);
  vi.stubEnv("GITLAB_API_TOKEN", TOKEN);
  vi.stubEnv("CI", "true");
  return server;
}

/** A pipeline whose bridge starts a child: generate, then the child's build, then success. */
function runningPipeline(): Pick<Parameters<typeof startLiveGitlab>[0], "onCreate" | "steps"> {
  const generate = job(11, "generate base pipeline");
  const build = job(21, "build gromacs container for amd64");
  const root: LiveFakePipeline = {
    id: 500,
    status: "created",
    ref: "main",
    jobs: [generate],
    bridges: [{ id: 12, name: "build spacktainers for amd64", status: "created" }],
  };
  const child: LiveFakePipeline = {
    id: 501,
    status: "running",
    ref: "main",
    jobs: [build],
    bridges: [],
  };
  return {
    onCreate: (ref) => ({ ...root, ref }),
    steps: [
      () => {},
      (world) => {
        const p = world.pipelines.get(500)!;
        p.status = "running";
        p.jobs[0]!.status = "running";
        p.jobs[0]!.log = "line 1\nline 2 is";
      },
      (world) => {
        const p = world.pipelines.get(500)!;
        p.jobs[0]!.status = "success";
        p.jobs[0]!.log = "line 1\nline 2 is whole\nline 3";
        world.pipelines.set(501, child);
        p.bridges[0]!.downstream = 501;
        p.bridges[0]!.status = "running";
        build.status = "running";
        build.log =
          "\x1b[0Ksection_start:1:build[collapsed=false]\r\x1b[0K\x1b[36;1mBuild\x1b[0m\n";
      },
      (world) => {
        build.log += "installed gromacs\n";
        build.status = "success";
        world.pipelines.get(501)!.status = "success";
        world.pipelines.get(500)!.bridges[0]!.status = "success";
        world.pipelines.get(500)!.status = "success";
      },
    ],
  };
}

describe("jc build", () => {
  it("starts a pipeline for one container, follows it and its child, then fetches the SIF file", async () => {
    const bucket = await s3.bucket();
    await s3.s3.put(bucket, "containers/gromacs__2023.2.sif", "old sif");
    await s3.s3.put(bucket, "containers/gromacs__2023.3.sif", "new sif");
    await s3.s3.put(bucket, "containers/gromacs__2023.3-arm64.sif", "arm sif");
    // The file the pipeline uploaded is the newest of the arch's.
    await s3.s3.age(bucket, "containers/gromacs__2023.2.sif", 30);
    const repo = await configuredRepo((config) => {
      config.architectures["amd64"]!["containers"] = {
        bucket,
        endpoint: s3.s3.endpoint,
        credentials: { accessKeyIdVariable: "SIF_KEY_ID", secretAccessKeyVariable: "SIF_SECRET" },
      };
    });
    const server = await serve({ token: TOKEN, ...runningPipeline() });
    vi.stubEnv("SIF_KEY_ID", TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv("SIF_SECRET", TEST_CREDENTIALS.secretAccessKey);
    const out = await tempDir();
    const result = await runCaptured(buildProgram(), [
      "build",
      "gromacs",
      "--arch",
      "amd64",
      "--ref",
      "feature/x",
      "--force",
      "--interval",
      "0.1",
      "--download",
      out,
      "--repo",
      repo,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(server.world.created).toEqual([
      {
        ref: "feature/x",
        variables: {
          SPACKTAINERS_ONLY: "gromacs",
          SPACKTAINERS_ARCH: "amd64",
          SPACKTAINERS_FORCE: "gromacs",
        },
      },
    ]);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      `started pipeline 500 on feature/x for gromacs (amd64): ${server.webUrl(500)}`,
      `pipeline 500 (followed): created ${server.webUrl(500)}`,
      "generate base pipeline: pending",
      "generate base pipeline: running",
      "generate base pipeline | line 1",
      "generate base pipeline | line 2 is whole",
      "generate base pipeline | line 3",
      "generate base pipeline: success",
      `pipeline 501 (build spacktainers for amd64): running ${server.webUrl(501)}`,
      "build gromacs container for amd64: running",
      "build gromacs container for amd64 | Build",
      "build gromacs container for amd64 | installed gromacs",
      "build gromacs container for amd64: success",
      `pipeline 500 success: ${server.webUrl(500)}`,
      expect.stringMatching(
        new RegExp(`^downloaded s3://${bucket}.*/containers/gromacs__2023\\.3\\.sif \\(7 B\\) to `),
      ),
    ]);
    expect(await readFile(join(out, "gromacs__2023.3.sif"), "utf8")).toBe("new sif");
    expect(result.stdout).not.toContain(TOKEN);
  });

  it.each<[string, string[], RegExp]>([
    [
      "an unknown container",
      ["nothing-here", "-a", "amd64"],
      /no container "nothing-here" is defined for amd64; defined there: gromacs/,
    ],
    ["an unknown arch", ["gromacs", "-a", "s390x"], /--arch s390x is not configured/],
    [
      "a pace of zero",
      ["gromacs", "-a", "amd64", "--interval", "0"],
      /expected seconds between 0\.1 and 3600/,
    ],
  ])("refuses %s with exit 2, starting nothing", async (_name, args, message) => {
    const server = await serve({ token: TOKEN, ...runningPipeline() });
    const repo = await configuredRepo();
    const result = await runCaptured(buildProgram(), [
      "build",
      ...args,
      "--ref",
      "main",
      "--repo",
      repo,
    ]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(server.world.created).toEqual([]);
  });

  it("says which role and scope a token that may only read lacks", async () => {
    await serve({ token: TOKEN, readOnly: true, ...runningPipeline() });
    const result = await runCaptured(buildProgram(), [
      "build",
      "gromacs",
      "-a",
      "amd64",
      "--ref",
      "main",
      "--repo",
      await configuredRepo(),
    ]);
    expect(result.stderr).toMatch(/HTTP 403.*Developer role and the api scope/);
    expect(result.code).toBe(1);
  });
});

describe("jc watch", () => {
  it("ends with exit 1 when the pipeline fails, after the failed job's last lines", async () => {
    const failing = job(31, "build neuron container for amd64", "running", "compiling\n");
    await serve({
      token: TOKEN,
      root: 600,
      pipelines: [{ id: 600, status: "running", ref: "main", jobs: [failing], bridges: [] }],
      steps: [
        () => {},
        (world) => {
          failing.log += 'error: no space left\nfailed in step "build"';
          failing.status = "failed";
          world.pipelines.get(600)!.status = "failed";
        },
      ],
    });
    const result = await runCaptured(buildProgram(), ["watch", "600", "--interval", "0.1"]);
    expect(result.stdout.split("\n")).toEqual([
      expect.stringMatching(/^pipeline 600 \(followed\): running /),
      "build neuron container for amd64: running",
      "build neuron container for amd64 | compiling",
      "build neuron container for amd64 | error: no space left",
      'build neuron container for amd64 | failed in step "build"',
      "build neuron container for amd64: failed",
      expect.stringMatching(/^pipeline 600 failed: /),
      "",
    ]);
    expect(result.stderr).toMatch(/pipeline 600 ended failed: https:/);
    expect(result.code).toBe(1);
  });

  it("reports a finished pipeline's jobs on every page by status, without their logs", async () => {
    const jobs = Array.from({ length: 130 }, (_, i) =>
      job(1000 + i, `job ${i}`, "success", "old log\n"),
    );
    const server = await serve({
      token: TOKEN,
      root: 700,
      pipelines: [{ id: 700, status: "success", ref: "main", jobs, bridges: [] }],
    });
    const result = await runCaptured(buildProgram(), ["watch", "700"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/^job \d+: success$/gm)).toHaveLength(130);
    expect(result.stdout).not.toContain("old log");
    expect(server.requests.filter((r) => r.includes("/trace"))).toEqual([]);
  });

  it("fails clearly on a refused token and names the variable", async () => {
    await serve({ token: TOKEN, root: 1, pipelines: [] });
    vi.stubEnv("GITLAB_API_TOKEN", "wrong");
    const result = await runCaptured(buildProgram(), ["watch", "1"]);
    expect(result.stderr).toMatch(/HTTP 401.*set GITLAB_API_TOKEN/);
    expect(result.stderr).not.toContain("wrong");
    expect(result.code).toBe(1);
  });
});

describe("Ctrl-C while following (spawned jc)", () => {
  it.each([
    [[], /stopped following pipeline 800; it goes on: https:/, []],
    [["--cancel-on-interrupt"], /cancelled pipeline 800: https:/, [800]],
  ])(
    "%j: exit 130",
    async (extra, message, canceled) => {
      const running = job(41, "build gromacs container for amd64", "running", "working\n");
      const server = await startLiveGitlab({
        token: TOKEN,
        root: 800,
        pipelines: [{ id: 800, status: "running", ref: "main", jobs: [running], bridges: [] }],
      });
      onTestFinished(() => server.stop());
      const jc = spawnJc(["watch", "800", "--interval", "0.2", ...extra], {
        CI_API_V4_URL: `${server.url}/api/v4`,
        CI_PROJECT_ID: server.projectId,
        GITLAB_API_TOKEN: TOKEN,
        CI: "true",
      });
      await vi.waitFor(
        () => {
          expect(jc.output.stdout).toContain("| working");
        },
        {
          timeout: 20_000,
          interval: 50,
        },
      );
      jc.child.kill("SIGINT");
      expect(await jc.exited).toBe(130);
      expect(jc.output.stdout).toMatch(/interrupted while pipeline 800 was running/);
      expect(jc.output.stderr).toMatch(message);
      expect(server.world.canceled).toEqual(canceled);
    },
    30_000,
  );
});
