/**
 * `jc generate-spacktainer-workflow` online against the real docker-registry and s3rver
 * behind a proxy that adds a fixed latency to every request (a registry in another
 * region), optionally asking for a bearer token per repository as GitLab's registry does.
 * Prints time, requests per container, peak concurrency, and the ratio of time to the
 * floor of requests x latency / concurrency limit.
 */
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { runProcess } from "../common/src/run.js";
import { createJobsIn } from "../test/helpers/generate.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../job-creator/src/commands/generate-workflow.js";
import { onlineWorkflowServices } from "../job-creator/src/commands/online-services.js";
import { startProxy } from "../test/helpers/http-proxy.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import { testArchitecture } from "../test/helpers/files.js";
import { RegistryPusher, startRegistry } from "../test/helpers/registry.js";
import { startS3, TEST_CREDENTIALS } from "../test/helpers/s3.js";

const QUICK = process.env["BENCH_QUICK"] === "1";
// BENCH_ONLY=200,present,tokens measures one case (sizes, "present"/"absent", "tokens"/"plain").
const ONLY = process.env["BENCH_ONLY"]?.split(",");
const SIZES = ONLY
  ? ONLY.filter((w) => /^\d+$/.test(w)).map(Number)
  : QUICK
    ? [25, 100]
    : [25, 50, 100, 200];
const wanted = (word: string, other: string) =>
  !ONLY || ONLY.includes(word) || !ONLY.includes(other);
const LATENCY_MS = 50;
const CONCURRENCY = 32;
// BENCH_DEFAULT_TUNING=1 runs with the code's own defaults (to measure older code the same way).
const TUNING = process.env["BENCH_DEFAULT_TUNING"] === "1" ? {} : { concurrency: CONCURRENCY };
const LOCK = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests seen by every proxy of a measurement, and the most in flight at once across them. */
interface Stats {
  requests: number;
  peak: number;
  inFlight: number;
}

/** A latency proxy that counts into `stats`. */
async function latencyProxy(target: string, tokens: boolean, stats: Stats) {
  const proxy = await startProxy(target, async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    stats.peak = Math.max(stats.peak, ++stats.inFlight);
    res.on("close", () => stats.inFlight--);
    await sleep(LATENCY_MS);
    return tokens ? tokenChallenge(req, res, proxy.url) : false;
  });
  return proxy;
}

/** GitLab's way: every repository first answers 401, and its token is asked for on its own. */
function tokenChallenge(req: IncomingMessage, res: ServerResponse, self: string): boolean {
  const url = new URL(req.url ?? "/", self);
  if (url.pathname === "/jwt/auth") {
    const scope = url.searchParams.get("scope") ?? "";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: `token:${scope}` }));
    return true;
  }
  const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
  if (!repo) return false;
  const scope = `repository:${repo}:pull`;
  if (req.headers.authorization === `Bearer token:${scope}`) {
    delete req.headers.authorization;
    return false;
  }
  res.writeHead(401, {
    "www-authenticate": `Bearer realm="${self}/jwt/auth",service="container_registry",scope="${scope}"`,
    "content-type": "application/json",
  });
  res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  return true;
}

async function project(dir: string, containers: number, registry: string, s3: string) {
  const repo = join(dir, "repo");
  const defs = join(repo, "container_definitions/amd64");
  await mkdir(defs, { recursive: true });
  await copyFile(join(REPO_ROOT, "spack.yaml"), join(repo, "spack.yaml"));
  for (const folder of ["builder", "runtime", "singularitah", "spacktainer"])
    await cp(join(REPO_ROOT, folder), join(repo, folder), { recursive: true });
  const credentials = { accessKeyIdVariable: "KEY", secretAccessKeyVariable: "SECRET" };
  await writeFile(
    join(repo, "spacktainers.config.yaml"),
    dump({
      registry: {
        host: registry,
        imageRoot: `${registry}/bench`,
        credentials: { userVariable: "REG_USER", passwordVariable: "REG_PASSWORD" },
      },
      publish: [
        {
          name: "copy",
          registry,
          namespace: "published",
          credentials: { userVariable: "REG_USER", passwordVariable: "REG_PASSWORD" },
        },
      ],
      architectures: {
        amd64: testArchitecture("x", { bucket: "bench-containers", endpoint: s3, credentials }),
      },
    }),
  );
  for (let i = 0; i < containers; i++) {
    await writeFile(
      join(defs, `c${i}.yaml`),
      "spack:\n  specs:\n    - gromacs@2024.3 +mpi ~double\n",
    );
    await mkdir(join(repo, "locks", `c${i}`), { recursive: true });
    await copyFile(LOCK, join(repo, "locks", `c${i}`, "spack.lock"));
  }
  const quiet = { out: () => undefined, err: () => undefined };
  await createJobsIn(repo, quiet);
  return repo;
}

async function measure(containers: number, present: boolean, tokens: boolean) {
  const dir = await mkdtemp(join(tmpdir(), "workflow-bench-"));
  const registry = await startRegistry(join(dir, "registry"));
  const s3 = await startS3(join(dir, "s3"));
  try {
    await s3.createBucket("bench-containers");
    const stats: Stats = { requests: 0, peak: 0, inFlight: 0 };
    const proxy = await latencyProxy(registry.url, tokens, stats);
    const s3Proxy = await latencyProxy(s3.endpoint, false, stats);
    const repo = await project(dir, containers, proxy.host, s3Proxy.url);
    if (present) {
      const pusher = new RegistryPusher(registry);
      for (let i = 0; i < containers; i++) {
        await pusher.pushImage(`bench/spacktainers/c${i}`, "2023.3", "amd64", { x: "1" });
        await pusher.pushImage(`published/c${i}`, "2023.3", "amd64", { x: "1" });
      }
    }
    const options = {
      repoRoot: repo,
      configFile: "spacktainers.config.yaml",
      arch: "amd64",
      outputDir: join(repo, "out"),
      artifactsDir: "out",
      generatedDir: "generated",
      lockDir: join(repo, "locks"),
      branch: "main",
      defaultBranch: "main",
    };
    const quiet = { out: () => undefined, err: () => undefined };
    // The same run offline: what reading, deciding and writing cost without the network.
    const offlineStart = performance.now();
    await generateSpacktainerWorkflow(options, offlineWorkflowServices(runProcess), quiet);
    const offline = (performance.now() - offlineStart) / 1000;
    [stats.requests, stats.peak] = [0, 0];
    const env = {
      REG_USER: "bench",
      REG_PASSWORD: "bench-password",
      KEY: TEST_CREDENTIALS.accessKeyId,
      SECRET: TEST_CREDENTIALS.secretAccessKey,
    };
    const started = performance.now();
    await generateSpacktainerWorkflow(
      options,
      onlineWorkflowServices(env, runProcess, TUNING),
      quiet,
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all([proxy.stop(), s3Proxy.stop()]);
    const floor = (stats.requests * LATENCY_MS) / 1000 / CONCURRENCY;
    return { seconds, offline, requests: stats.requests, peak: stats.peak, floor };
  } finally {
    await Promise.all([registry.stop(), s3.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `\njc generate-spacktainer-workflow online, ${LATENCY_MS} ms per request, --concurrency ${CONCURRENCY} (one publish target)`,
);
console.log(
  "containers  images   tokens  time (s)  offline (s)  requests/container  peak in flight  time/floor  (time-offline)/floor",
);
for (const tokens of [false, true].filter((t) =>
  wanted(t ? "tokens" : "plain", t ? "plain" : "tokens"),
))
  for (const present of [true, false].filter((p) =>
    wanted(p ? "present" : "absent", p ? "absent" : "present"),
  ))
    for (const containers of SIZES) {
      const r = await measure(containers, present, tokens);
      console.log(
        `${String(containers).padStart(10)}  ${(present ? "present" : "absent").padEnd(7)}  ${(tokens ? "yes" : "no").padEnd(6)}  ${r.seconds.toFixed(2).padStart(8)}  ${r.offline.toFixed(2).padStart(11)}  ${(r.requests / containers).toFixed(1).padStart(18)}  ${String(r.peak).padStart(14)}  ${(r.seconds / r.floor).toFixed(2).padStart(10)}  ${((r.seconds - r.offline) / r.floor).toFixed(2).padStart(20)}`,
      );
    }
