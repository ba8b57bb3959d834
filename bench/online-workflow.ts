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
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "../common/src/worker-pool.js";
import { workflowOptions } from "../test/helpers/generate.js";
import { runAsync } from "../test/helpers/process.js";
import type { PlannedTarget, RunRequest } from "./online-run.js";
import { listFiles } from "../job-creator/src/base-images/checksum.js";
import type { LatencyServersData } from "./latency-servers.js";
import type { RecordedRequest } from "./replay-plan.js";
import { REPO_ROOT } from "../test/helpers/paths.js";
import { startRegistry } from "../test/helpers/registry.js";
import { TEST_CREDENTIALS } from "../test/helpers/s3.js";
import {
  benchProject,
  BUCKET,
  IMAGES,
  KINDS,
  placeImages,
  type Images,
  type Kind,
} from "./workflow-project.js";

const QUICK = process.env["BENCH_QUICK"] === "1";
// BENCH_ONLY=200,spack,present,tokens measures one case (sizes, "spack"/"def",
// "present"/"current"/"absent", "tokens"/"plain").
const ONLY = process.env["BENCH_ONLY"]?.split(",");
const SIZES = ONLY
  ? ONLY.filter((w) => /^\d+$/.test(w)).map(Number)
  : QUICK
    ? [25, 100]
    : [25, 50, 100, 200];
/** Whether BENCH_ONLY keeps `word` of its `group`: every word when it names none of them. */
const wanted = (word: string, group: readonly string[]) =>
  !ONLY || !group.some((w) => ONLY.includes(w)) || ONLY.includes(word);
// BENCH_CPU_PROFILE=<folder> writes a V8 CPU profile of each run of the command there, in
// the order run (offline, online, create-jobs; with the tsx loader's thread's own).
const PROFILE_DIR = process.env["BENCH_CPU_PROFILE"];
const LATENCY_MS = 50;
const CONCURRENCY = 32;
// BENCH_DEFAULT_TUNING=1 runs with the code's own defaults (to measure older code the same way).
const TUNING = process.env["BENCH_DEFAULT_TUNING"] === "1" ? {} : { concurrency: CONCURRENCY };

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

/** One run of the command in a process of its own (bench/online-run.ts). */
async function runOnce(request: RunRequest) {
  const result = await runAsync(
    process.execPath,
    [
      ...(PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      "--import",
      "tsx",
      join(REPO_ROOT, "bench/online-run.ts"),
      JSON.stringify(request),
    ],
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

async function measure(containers: number, kind: Kind, images: Images, tokens: boolean) {
  const dir = await mkdtemp(join(tmpdir(), "workflow-bench-"));
  const registry = await startRegistry(join(dir, "registry"));
  let servers: Awaited<ReturnType<typeof latencyServers>> | undefined;
  try {
    servers = await latencyServers({
      registryUrl: registry.url,
      s3Dir: join(dir, "s3"),
      bucket: BUCKET,
      latencyMs: LATENCY_MS,
      tokens,
    });
    const repo = await benchProject(dir, containers, kind, servers.registry, servers.s3);
    const lockDir = join(repo, "locks");
    // The same run offline: what reading, deciding and writing cost without the network.
    const offlineRun = await runOnce({ repo, lockDir });
    const offline = offlineRun.seconds;
    await placeImages(registry, servers.s3, offlineRun.targets, kind, images);
    // A CI job starts without the output folder the offline run left: replacing it costs.
    const { outputDir } = workflowOptions(repo, {});
    await rm(outputDir, { recursive: true, force: true });
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
  "containers  kind   images   tokens  time (s)  offline (s)  CPU (s)  requests/container  peak in flight  time/floor  (time-offline)/floor  replay (s)  time/replay  mean ms/request  servers busy  artifacts (MB)  create-jobs (s)  its requests",
);
for (const tokens of [false, true].filter((t) =>
  wanted(t ? "tokens" : "plain", ["tokens", "plain"]),
))
  for (const kind of KINDS.filter((k) => wanted(k, KINDS)))
    for (const images of IMAGES.filter((i) => wanted(i, IMAGES)))
      for (const containers of SIZES) {
        const r = await measure(containers, kind, images, tokens);
        console.log(
          `${String(containers).padStart(10)}  ${kind.padEnd(5)}  ${images.padEnd(7)}  ${(tokens ? "yes" : "no").padEnd(6)}  ${r.seconds.toFixed(2).padStart(8)}  ${r.offline.toFixed(2).padStart(11)}  ${r.cpu.toFixed(2).padStart(7)}  ${(r.requests / containers).toFixed(1).padStart(18)}  ${String(r.peak).padStart(14)}  ${(r.seconds / r.floor).toFixed(2).padStart(10)}  ${((r.seconds - r.offline) / r.floor).toFixed(2).padStart(20)}  ${r.replay.toFixed(2).padStart(10)}  ${(r.seconds / r.replay).toFixed(2).padStart(11)}  ${r.meanMs.toFixed(0).padStart(13)}  ${(r.busy * 100).toFixed(0).padStart(10)}%  ${(r.artifactBytes / 1e6).toFixed(2).padStart(14)}  ${r.createJobs.seconds.toFixed(2).padStart(15)}  ${String(r.createJobs.requests).padStart(12)}`,
        );
      }
