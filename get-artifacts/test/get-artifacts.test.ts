import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import type { Answer } from "../../test/helpers/gitlab-api.js";
import { describe, expect, it } from "vitest";
import { UserError } from "../../common/src/errors.js";
import {
  BASE_PIPELINE_BRIDGE,
  generateSpacktainerJobName,
  processSpackPipelineJobName,
} from "../../common/src/job-names.js";
import { startFakeGitlab, type FakeJob } from "../../test/helpers/gitlab-pipelines.js";
import { listFiles } from "../../test/helpers/files.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { runAsync } from "../../test/helpers/process.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { collectArtifacts, type CollectOptions } from "../src/collect.js";
import { filesBelow } from "../../common/src/zip-files.js";
import { gitlabPipelineApi } from "../src/gitbeaker-api.js";

const TOKEN = "glpat-test-token-3c9d";
const FAST = { timeoutMs: 2_000, budgetMs: 300, initialDelayMs: 5, maxDelayMs: 50 };

/** 150 unrelated jobs first, so the producers are only on later pages. */
function childJobs(): FakeJob[] {
  const filler = Array.from({ length: 150 }, (_, i) => ({ id: 1000 + i, name: `other job ${i}` }));
  return [
    ...filler,
    {
      id: 2001,
      name: processSpackPipelineJobName("amd64"),
      files: {
        "spack.artifacts.amd64/spack_pipeline.yaml": "spack: trigger\n",
        "spack.artifacts.amd64/build-step-1.yaml": "step: 1\n",
        "spackitor.amd64.log": "not extracted",
      },
    },
    {
      id: 2002,
      name: generateSpacktainerJobName("amd64"),
      files: {
        "spacktainer.artifacts.amd64/spacktainer_pipeline.yaml": "containers: x\n",
        "spacktainer.artifacts.amd64/gromacs/Dockerfile": "FROM x\n",
      },
    },
  ];
}

async function fake(jobs = childJobs(), fault?: (path: string) => Answer | undefined) {
  return startFakeGitlab({
    token: TOKEN,
    pipelines: [
      { id: 500, jobs: [], bridges: [{ id: 9, name: BASE_PIPELINE_BRIDGE, downstream: 501 }] },
      { id: 501, jobs, bridges: [] },
    ],
    ...(fault ? { fault } : {}),
  });
}

type Server = Awaited<ReturnType<typeof fake>>;

const apiFor = (server: Server, token = TOKEN) =>
  gitlabPipelineApi({ apiUrl: server.url, projectId: server.projectId, token, http: FAST });

/** get-artifacts for entry pipeline 500, into a fresh folder unless told otherwise. */
async function collect(
  server: Server,
  options: Partial<CollectOptions> = {},
  output = memoryOutput(),
) {
  return collectArtifacts(
    apiFor(server),
    {
      pipelineId: 500,
      bridgeName: BASE_PIPELINE_BRIDGE,
      expectedArchs: [],
      outputDir: await tempDir(),
      dotenvFile: "build.env",
      ...options,
    },
    output,
  );
}

describe("get-artifacts", () => {
  it("finds the producers past the first page, extracts their folders, writes the dotenv", async () => {
    const server = await fake();
    try {
      const out = await tempDir();
      const output = memoryOutput();
      const { archs } = await collect(
        server,
        { expectedArchs: ["amd64", "arm64"], outputDir: out },
        output,
      );
      expect(archs).toEqual(["amd64", "arm64"]);
      expect((await listFiles(out)).filter((f) => !f.endsWith("/.spacktainers-output"))).toEqual([
        "build.env",
        "spack.artifacts.amd64/build-step-1.yaml",
        "spack.artifacts.amd64/spack_pipeline.yaml",
        "spack.artifacts.arm64/spack_pipeline.yaml",
        "spacktainer.artifacts.amd64/gromacs/Dockerfile",
        "spacktainer.artifacts.amd64/spacktainer_pipeline.yaml",
        "spacktainer.artifacts.arm64/spacktainer_pipeline.yaml",
      ]);
      expect(await readFile(join(out, "spack.artifacts.amd64/spack_pipeline.yaml"), "utf8")).toBe(
        "spack: trigger\n",
      );
      expect(await readFile(join(out, "build.env"), "utf8")).toBe(
        "GENERATION_PIPELINE_ID=501\nSPACKTAINERS_ARCH_AMD64=generated\nSPACKTAINERS_ARCH_ARM64=noop\n",
      );
      expect(
        await readFile(join(out, "spack.artifacts.arm64/spack_pipeline.yaml"), "utf8"),
      ).toContain("nothing to do for arm64");
      // Pages 1 and 2 of 100 jobs were read: the producers are jobs 151 and 152.
      const pages = server.requests.filter((r) => r.includes("/pipelines/501/jobs"));
      expect(pages).toHaveLength(2);
      expect(pages[1]).toContain("page=2");
      expect(server.requests.every((r) => r.endsWith("token=yes"))).toBe(true);
      expect(output.lines.join("\n")).not.toContain(TOKEN);
    } finally {
      await server.stop();
    }
  });

  it("retries 503 and 500 answers, then succeeds", async () => {
    let failures = 0;
    const server = await fake(childJobs(), (path) =>
      path.endsWith("/bridges") && failures++ < 2
        ? { status: failures === 1 ? 503 : 500, json: { message: "busy" } }
        : undefined,
    );
    try {
      const out = await tempDir();
      await collect(server, { outputDir: out });
      expect(failures).toBe(3);
      expect(await listFiles(out)).toContain("spack.artifacts.amd64/spack_pipeline.yaml");
    } finally {
      await server.stop();
    }
  });

  it("gives up on a server that keeps failing, saying so", async () => {
    const server = await fake(childJobs(), () => ({ status: 503, json: { message: "down" } }));
    try {
      const api = apiFor(server);
      await expect(api.bridges(500)).rejects.toThrow(
        /cannot list the bridges of pipeline 500 .*failed \(HTTP 503\) \d+ times .*gave up within the retry budget of 0 s/,
      );
      expect(server.requests.length).toBeGreaterThanOrEqual(3);
    } finally {
      await server.stop();
    }
  });

  it("says the token was refused on 401, without printing it", async () => {
    const server = await fake();
    try {
      const api = apiFor(server, "wrong-token-value");
      const error = await api.bridges(500).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(String(error)).toMatch(
        /HTTP 401.*set GITLAB_API_TOKEN \(or --token\) to a token with the read_api scope/,
      );
      expect(String(error)).not.toContain("wrong-token-value");
    } finally {
      await server.stop();
    }
  });

  it("names the missing bridge and what exists instead", async () => {
    const server = await fake();
    try {
      const api = apiFor(server);
      await expect(collect(server, { bridgeName: "no such bridge" })).rejects.toThrow(
        `pipeline 500 has no bridge job "no such bridge" (its bridges: "${BASE_PIPELINE_BRIDGE}")`,
      );
      await expect(api.jobs(999)).rejects.toThrow(
        /HTTP 404.*check the project id and the pipeline or job id/,
      );
    } finally {
      await server.stop();
    }
  });

  it("refuses a producer that failed or left no trigger file", async () => {
    const failed = await fake([
      { id: 1, name: processSpackPipelineJobName("amd64"), status: "failed", files: {} },
    ]);
    try {
      await expect(collect(failed)).rejects.toThrow(
        `pipeline 501: "${processSpackPipelineJobName("amd64")}" is failed`,
      );
    } finally {
      await failed.stop();
    }
    const empty = await fake([
      {
        id: 1,
        name: processSpackPipelineJobName("amd64"),
        files: { "spack.artifacts.amd64/x.yaml": "x" },
      },
    ]);
    try {
      await expect(collect(empty)).rejects.toThrow(
        "has no spack.artifacts.amd64/spack_pipeline.yaml in its artifacts",
      );
    } finally {
      await empty.stop();
    }
  });

  it("names a producer the generated pipeline defines but the API does not list", async () => {
    const server = await fake();
    try {
      const definedJobs = new Set([
        processSpackPipelineJobName("amd64"),
        processSpackPipelineJobName("arm64"),
        "other job 1",
      ]);
      await expect(collect(server, { definedJobs })).rejects.toThrow(
        `pipeline 501 has no job "${processSpackPipelineJobName("arm64")}", which the generated pipeline defines; its 152 jobs: "generate spacktainer jobs for amd64", "other job 0"`,
      );
    } finally {
      await server.stop();
    }
  });

  it("refuses archive entries that would land outside the output folder", () => {
    const archive = zipSync({ "spack.artifacts.amd64/../../etc/passwd": strToU8("x") });
    expect(() => filesBelow(archive, "spack.artifacts.amd64", "job 1")).toThrow(/unsafe path/);
    const absolute = zipSync({ "/etc/passwd": strToU8("x") });
    expect(() => filesBelow(absolute, "spack.artifacts.amd64", "job 1")).toThrow(/unsafe path/);
  });

  it("runs as a CLI from GitLab's predefined variables", async () => {
    const server = await fake();
    const cli = (args: readonly string[], env: NodeJS.ProcessEnv) =>
      runAsync(
        process.execPath,
        ["--import", "tsx", join(REPO_ROOT, "get-artifacts/src/main.ts"), ...args],
        { cwd: REPO_ROOT, env: { PATH: process.env["PATH"], ...env } },
      );
    try {
      const out = await tempDir();
      const variables = {
        CI_PIPELINE_ID: "500",
        CI_PROJECT_ID: server.projectId,
        CI_API_V4_URL: `${server.url}/api/v4`,
        GITLAB_API_TOKEN: TOKEN,
      };
      const result = await cli(["--arch", "amd64", "-o", out], { ...process.env, ...variables });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'spack.artifacts.amd64/: 2 files from "process spack pipeline for amd64"',
      );
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      const missing = await cli([], {});
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(
        "get-artifacts needs --pipeline (CI_PIPELINE_ID), --project (CI_PROJECT_ID), --api-url (CI_API_V4_URL), --token (GITLAB_API_TOKEN)",
      );
      // fetch refuses a URL with credentials on every request: bad input at once, not retried.
      const withPassword = await cli(["-o", out], {
        ...variables,
        CI_API_V4_URL: variables.CI_API_V4_URL.replace("://", "://user:hunter2@"),
      });
      expect(withPassword.stderr).toMatch(/carries a user name or password/);
      expect(withPassword.stderr + withPassword.stdout).not.toContain("hunter2");
      expect(withPassword.code).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
