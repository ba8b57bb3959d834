import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { BASE_PIPELINE_BRIDGE, processSpackPipelineJobName } from "../../common/src/job-names.js";
import { useWorkflowFixture } from "../../job-creator/test/workflow-fixture.js";
import { runJcAsync } from "../../job-creator/test/cli.js";
import { startForwardProxy } from "../helpers/forward-proxy.js";
import { startFakeGitlab } from "../helpers/gitlab-pipelines.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { runAsync } from "../helpers/process.js";
import { TEST_CREDENTIALS } from "../helpers/s3.js";
import { uploadLegacyMirror } from "../helpers/spack-mirror.js";
import { tempDir } from "../helpers/temp-repo.js";

// jc, spackitor and get-artifacts behind a site's forward proxy: every request to the local
// registries, s3rver and the GitLab API goes through it, unless NO_PROXY names the host.

const { setup, generate } = useWorkflowFixture();
const PROXY_VARIABLES = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"];
const hostOf = (url: string) => new URL(url).host;

/** The proxy variables of this process: exactly these (the servers all speak plain http). */
function useProxy(values: Record<string, string>): void {
  for (const name of PROXY_VARIABLES.flatMap((n) => [n, n.toLowerCase()])) vi.stubEnv(name, "");
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}
afterEach(() => {
  vi.unstubAllEnvs();
});

async function withContainersRegion(repo: string, region: string): Promise<void> {
  const file = join(repo, "spacktainers.config.yaml");
  const config = load(await readFile(file, "utf8")) as {
    architectures: Record<string, { containers: Record<string, unknown> }>;
  };
  config.architectures["amd64"]!.containers["region"] = region;
  await writeFile(file, dump(config));
}

/** A tool of ours run from source, with exactly the given proxy variables. */
function runTool(tool: string, args: readonly string[], env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !PROXY_VARIABLES.includes(name.toUpperCase())),
  );
  return runAsync(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, tool, "src/main.ts"), ...args],
    { cwd: REPO_ROOT, env: { ...clean, ...env } },
  );
}

describe("jc behind a proxy", () => {
  it("reads registries and the bucket through HTTP_PROXY, signed for the bucket's region", async () => {
    const s = await setup();
    await withContainersRegion(s.repo, "eu-west-3");
    const direct = await generate(s.repo);
    const proxy = await startForwardProxy();
    onTestFinished(proxy.stop);
    useProxy({ HTTP_PROXY: proxy.url });
    const proxied = await generate(s.repo);
    expect(proxied.text).toBe(direct.text);
    const hosts = new Set(proxy.carried.map((line) => line.split(" ")[1]!.split("/")[0]));
    expect(hosts).toEqual(new Set([s.registryHost, hostOf(s.s3.endpoint), expect.any(String)]));
    expect(proxy.carried).toContainEqual(expect.stringMatching(/^HEAD .*\/containers\/.*\.sif$/));
    expect(new Set(proxy.signedRegions)).toEqual(new Set(["eu-west-3"]));
  });

  it("goes direct to hosts NO_PROXY names, and through a proxy that wants a login", async () => {
    const s = await setup();
    const proxy = await startForwardProxy({ user: "builder", password: "proxy-pass-31" });
    onTestFinished(proxy.stop);
    const login = proxy.url.replace("//", "//builder:proxy-pass-31@");
    useProxy({ HTTP_PROXY: login, NO_PROXY: "127.0.0.1" });
    await generate(s.repo);
    expect(proxy.carried).toEqual([]);
    useProxy({ http_proxy: login });
    const proxied = await generate(s.repo);
    expect(proxy.carried.length).toBeGreaterThan(0);
    expect(proxied.log).not.toContain("proxy-pass-31");

    // A wrong login fails at once (no retries for minutes), naming the proxy, not the password.
    useProxy({ HTTP_PROXY: proxy.url.replace("//", "//builder:wrong-pass-12@") });
    const started = Date.now();
    const refused = await generate(s.repo).then(
      () => "",
      (error: unknown) => (error as Error).message,
    );
    expect(refused).toMatch(/proxy .*refused the login/);
    expect(refused).not.toMatch(/wrong-pass-12/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses a proxy variable that is no http(s) URL with exit 2, password hidden", async () => {
    const result = await runJcAsync(["validate"], REPO_ROOT, {
      HTTPS_PROXY: "socks5://builder:proxy-pass-31@proxy:1080",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/HTTPS_PROXY is not an http:\/\/ or https:\/\/ proxy URL/);
    expect(result.stderr).not.toContain("proxy-pass-31");
  });
});

describe("spackitor behind a proxy", () => {
  it("lists and reads the cache through the proxy, signed for AWS_REGION", async () => {
    const s = await setup();
    await s.s3.createBucket(s.cacheBucket);
    await uploadLegacyMirror(s.s3, s.cacheBucket);
    const proxy = await startForwardProxy();
    onTestFinished(proxy.stop);
    const args = ["-b", s.cacheBucket, "--endpoint", s.s3.endpoint, "-m", "30", "--dry-run"];
    const env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: "ap-south-1",
    };
    const result = await runTool("spackitor", args, { ...env, HTTP_PROXY: proxy.url });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(proxy.carried.length).toBeGreaterThan(1);
    expect(proxy.carried.every((line) => line.includes(hostOf(s.s3.endpoint)))).toBe(true);
    expect(new Set(proxy.signedRegions)).toEqual(new Set(["ap-south-1"]));

    const before = proxy.carried.length;
    const bypass = await runTool("spackitor", args, {
      ...env,
      HTTP_PROXY: proxy.url,
      NO_PROXY: "localhost,127.0.0.1",
    });
    expect(bypass.code, bypass.stderr).toBe(0);
    expect(proxy.carried.length).toBe(before);

    const locked = await startForwardProxy({ user: "janitor", password: "proxy-pass-58" });
    onTestFinished(locked.stop);
    const refused = await runTool("spackitor", args, {
      ...env,
      HTTP_PROXY: locked.url.replace("//", "//janitor:wrong-pass-58@"),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 407.*the proxy refused the login/);
    expect(refused.stderr).not.toContain("wrong-pass-58");
  });
});

describe("get-artifacts behind a proxy", () => {
  it("talks to the GitLab API through the proxy", async () => {
    const gitlab = await startFakeGitlab({
      token: "glpat-proxy-test",
      pipelines: [
        { id: 500, jobs: [], bridges: [{ id: 9, name: BASE_PIPELINE_BRIDGE, downstream: 501 }] },
        {
          id: 501,
          jobs: [
            {
              id: 2001,
              name: processSpackPipelineJobName("amd64"),
              files: { "spack.artifacts.amd64/spack_pipeline.yaml": "spack: trigger\n" },
            },
          ],
          bridges: [],
        },
      ],
    });
    onTestFinished(gitlab.stop);
    const proxy = await startForwardProxy();
    onTestFinished(proxy.stop);
    const result = await runTool("get-artifacts", ["--arch", "amd64", "-o", await tempDir()], {
      CI_PIPELINE_ID: "500",
      CI_PROJECT_ID: gitlab.projectId,
      CI_API_V4_URL: `${gitlab.url}/api/v4`,
      GITLAB_API_TOKEN: "glpat-proxy-test",
      HTTP_PROXY: proxy.url,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    // Plain http goes to the proxy in absolute form, as curl sends it (no CONNECT, which many
    // proxies allow to port 443 only).
    expect(proxy.carried).toContainEqual(expect.stringMatching(/^GET .*\/api\/v4\/projects\//));
    expect(proxy.carried.some((line) => line.startsWith("CONNECT"))).toBe(false);
    expect(proxy.carried.every((line) => line.includes(hostOf(gitlab.url)))).toBe(true);
  });
});
