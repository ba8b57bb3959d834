/**
 * `jc generate-spacktainer-workflow` online against the real docker-registry and s3rver
 * behind a proxy that adds a fixed latency to every request (a registry in another
 * region), optionally asking for bearer tokens as GitLab's registry does; the servers run
 * in a worker thread (latency-servers.ts), out of the measured command's way; the command
 * runs in a process of its own (online-run.ts), cold as in a CI job.
 * Prints time, the command's CPU, requests per container, peak concurrency, and the ratio of time to the
 * floor of requests x latency / concurrency limit and to the replay of the same requests by a
 * client that does nothing else (replay-run.ts); then `jc create-jobs` online on the same
 * project, whose requests (the base images') do not grow with the number of containers.
 */
import { copyFile, cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { startWorker } from "../common/src/worker-pool.js";
import { createJobsIn, workflowOptions } from "../test/helpers/generate.js";
import { runAsync } from "../test/helpers/process.js";
import type { PlannedTarget, RunRequest } from "./online-run.js";
import { listFiles } from "../job-creator/src/base-images/checksum.js";
import type { LatencyServersData } from "./latency-servers.js";
import type { RecordedRequest } from "./replay-plan.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import { testArchitecture } from "../test/helpers/files.js";
import { RegistryPusher, startRegistry } from "../test/helpers/registry.js";
import { TEST_CREDENTIALS } from "../test/helpers/s3.js";
import { createSpackRemote } from "../job-creator/test/git.js";

const QUICK = process.env["BENCH_QUICK"] === "1";
// BENCH_ONLY=200,present,tokens measures one case (sizes, "present"/"current"/"absent",
// "tokens"/"plain").
const ONLY = process.env["BENCH_ONLY"]?.split(",");
const SIZES = ONLY
  ? ONLY.filter((w) => /^\d+$/.test(w)).map(Number)
  : QUICK
    ? [25, 100]
    : [25, 50, 100, 200];
/** Whether BENCH_ONLY keeps `word` of its `group`: every word when it names none of them. */
const wanted = (word: string, group: readonly string[]) =>
  !ONLY || !group.some((w) => ONLY.includes(w)) || ONLY.includes(word);
const LATENCY_MS = 50;
const CONCURRENCY = 32;
// BENCH_DEFAULT_TUNING=1 runs with the code's own defaults (to measure older code the same way).
const TUNING = process.env["BENCH_DEFAULT_TUNING"] === "1" ? {} : { concurrency: CONCURRENCY };
const LOCK = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
const SPACK_BRANCH = "releases/v0.23";

/** Starts the latency servers in a worker thread; `ask` sends a message and waits for the answer. */
async function latencyServers(data: LatencyServersData) {
  const worker = startWorker(new URL("./latency-servers.ts", import.meta.url), {
    workerData: data,
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  const ready = (await next()) as { registry: string; s3: string };
  return {
    ...ready,
    stats: async () => {
      const answer = next();
      worker.postMessage("stats");
      return (await answer) as { requests: number; peak: number; meanMs: number; busy: number };
    },
    log: async () => {
      const answer = next();
      worker.postMessage("log");
      return (await answer) as RecordedRequest[];
    },
    reset: () => {
      worker.postMessage("reset");
    },
    stop: async () => {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("stop");
      await exited;
    },
  };
}

async function project(dir: string, containers: number, registry: string, s3: string) {
  const repo = join(dir, "repo");
  const defs = join(repo, "container_definitions/amd64");
  await mkdir(defs, { recursive: true });
  await copyFile(join(REPO_ROOT, "spack.yaml"), join(repo, "spack.yaml"));
  for (const folder of ["builder", "runtime", "singularitah", "spacktainer"])
    await cp(join(REPO_ROOT, folder), join(repo, folder), { recursive: true });
  const credentials = { accessKeyIdVariable: "KEY", secretAccessKeyVariable: "SECRET" };
  // `jc create-jobs` online reads the Spack commit with git ls-remote: a local remote.
  const spack = await createSpackRemote(dir, SPACK_BRANCH);
  await writeFile(
    join(repo, "spacktainers.config.yaml"),
    dump({
      spack: { repository: spack.url, branch: SPACK_BRANCH },
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

/**
 * The images as the run finds them: none; present but each with labels of its own, so
 * every container is rebuilt; current, labelled as the run expects (nothing to rebuild,
 * the SIF files still to make: the common scheduled run).
 */
type Images = "absent" | "present" | "current";
const IMAGES: readonly Images[] = ["present", "current", "absent"];

/** One run of the command in a process of its own (bench/online-run.ts). */
async function runOnce(request: RunRequest) {
  const result = await runAsync(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "bench/online-run.ts"), JSON.stringify(request)],
    { cwd: REPO_ROOT },
  );
  const [seconds, cpu] = (/^BENCH_RUN (\S+) (\S+)$/m.exec(result.stdout) ?? [])
    .slice(1)
    .map(Number);
  if (result.code !== 0 || seconds === undefined || cpu === undefined)
    throw new Error(`bench/online-run.ts failed (exit ${result.code}): ${result.stderr}`);
  const targets = /^BENCH_TARGETS (.*)$/m.exec(result.stdout)?.[1];
  return { seconds, cpu, targets: targets ? (JSON.parse(targets) as PlannedTarget[]) : [] };
}

/**
 * The run's requests sent again by a client that does nothing else, each once what it waits
 * for has answered (bench/replay-run.ts, in a process of its own): seconds.
 */
async function replayRun(file: string, log: readonly RecordedRequest[]) {
  await writeFile(file, JSON.stringify(log));
  const result = await runAsync(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "bench/replay-run.ts"), file, String(CONCURRENCY)],
    { cwd: REPO_ROOT },
  );
  const seconds = Number(/^BENCH_REPLAY (\S+)$/m.exec(result.stdout)?.[1]);
  if (result.code !== 0 || Number.isNaN(seconds))
    throw new Error(`bench/replay-run.ts failed (exit ${result.code}): ${result.stderr}`);
  return seconds;
}

async function measure(containers: number, images: Images, tokens: boolean) {
  const dir = await mkdtemp(join(tmpdir(), "workflow-bench-"));
  const registry = await startRegistry(join(dir, "registry"));
  let servers: Awaited<ReturnType<typeof latencyServers>> | undefined;
  try {
    servers = await latencyServers({
      registryUrl: registry.url,
      s3Dir: join(dir, "s3"),
      bucket: "bench-containers",
      latencyMs: LATENCY_MS,
      tokens,
    });
    const repo = await project(dir, containers, servers.registry, servers.s3);
    const lockDir = join(repo, "locks");
    // The same run offline: what reading, deciding and writing cost without the network.
    const offlineRun = await runOnce({ repo, lockDir });
    const offline = offlineRun.seconds;
    if (images !== "absent") {
      const pusher = new RegistryPusher(registry);
      // The publish copy is the same image, as the publish job's copy keeps digests.
      for (const target of offlineRun.targets) {
        const labels =
          images === "current" && target.kind === "spack"
            ? { ...target.labels }
            : { "org.spacktainers.container": target.name };
        await pusher.pushImage(`bench/spacktainers/${target.name}`, "2023.3", "amd64", labels);
        await pusher.copyImage(
          `bench/spacktainers/${target.name}`,
          `published/${target.name}`,
          "2023.3",
        );
      }
    }
    servers.reset();
    const env = {
      REG_USER: "bench",
      REG_PASSWORD: "bench-password",
      KEY: TEST_CREDENTIALS.accessKeyId,
      SECRET: TEST_CREDENTIALS.secretAccessKey,
    };
    const { seconds, cpu } = await runOnce({ repo, lockDir, online: { env, tuning: TUNING } });
    const { requests, peak, meanMs, busy } = await servers.stats();
    const replay = await replayRun(join(dir, "requests.json"), await servers.log());
    // What the generate job uploads as its artifacts.
    let artifactBytes = 0;
    const { outputDir } = workflowOptions(repo, {});
    for (const file of listFiles(outputDir)) artifactBytes += (await stat(file)).size;
    const floor = (requests * LATENCY_MS) / 1000 / CONCURRENCY;
    // `jc create-jobs` online on the same project: its lookups are the base images', one set
    // per architecture, whatever the number of containers.
    servers.reset();
    const createJobs = await runOnce({
      repo,
      lockDir,
      online: { env, tuning: TUNING },
      createJobs: true,
    });
    const createJobsRequests = (await servers.stats()).requests;
    return {
      ...{ seconds, offline, cpu, requests, peak, floor, replay, meanMs, busy, artifactBytes },
      createJobs: { seconds: createJobs.seconds, requests: createJobsRequests },
    };
  } finally {
    await Promise.all([registry.stop(), servers?.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `\njc generate-spacktainer-workflow online, ${LATENCY_MS} ms per request, --concurrency ${CONCURRENCY} (one publish target)`,
);
console.log(
  "containers  images   tokens  time (s)  offline (s)  CPU (s)  requests/container  peak in flight  time/floor  (time-offline)/floor  replay (s)  time/replay  mean ms/request  servers busy  artifacts (MB)  create-jobs (s)  its requests",
);
for (const tokens of [false, true].filter((t) =>
  wanted(t ? "tokens" : "plain", ["tokens", "plain"]),
))
  for (const images of IMAGES.filter((i) => wanted(i, IMAGES)))
    for (const containers of SIZES) {
      const r = await measure(containers, images, tokens);
      console.log(
        `${String(containers).padStart(10)}  ${images.padEnd(7)}  ${(tokens ? "yes" : "no").padEnd(6)}  ${r.seconds.toFixed(2).padStart(8)}  ${r.offline.toFixed(2).padStart(11)}  ${r.cpu.toFixed(2).padStart(7)}  ${(r.requests / containers).toFixed(1).padStart(18)}  ${String(r.peak).padStart(14)}  ${(r.seconds / r.floor).toFixed(2).padStart(10)}  ${((r.seconds - r.offline) / r.floor).toFixed(2).padStart(20)}  ${r.replay.toFixed(2).padStart(10)}  ${(r.seconds / r.replay).toFixed(2).padStart(11)}  ${r.meanMs.toFixed(0).padStart(13)}  ${(r.busy * 100).toFixed(0).padStart(10)}%  ${(r.artifactBytes / 1e6).toFixed(2).padStart(14)}  ${r.createJobs.seconds.toFixed(2).padStart(15)}  ${String(r.createJobs.requests).padStart(12)}`,
      );
    }
