/**
 * The servers of the online-workflow benchmark, run in a worker thread so that the work of
 * the command under test never delays them (as a remote registry is not delayed): s3rver,
 * and a proxy per server that adds a fixed latency to every request, counts the requests
 * and the most in flight at once, and optionally challenges for tokens as GitLab does.
 *
 * Messages: "stats" answers { requests, peak, meanMs, busy }; "log" answers the requests
 * since the last reset, as `RecordedRequest`s (what bench/replay-run.ts sends again);
 * "reset" zeroes them; "stop" ends it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { startProxy } from "../test/helpers/http-proxy.js";
import { tokenAuth } from "../test/helpers/token-auth.js";
import { startS3 } from "../test/helpers/s3.js";
import type { RecordedRequest } from "./replay-plan.js";

export interface LatencyServersData {
  readonly registryUrl: string;
  readonly s3Dir: string;
  readonly bucket: string;
  readonly latencyMs: number;
  readonly tokens: boolean;
}

const data = workerData as LatencyServersData;
const stats = { requests: 0, peak: 0, inFlight: 0, totalMs: 0 };
let log: RecordedRequest[] = [];
let since = performance.eventLoopUtilization();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latencyProxy(target: string, server: RecordedRequest["server"], tokens: boolean) {
  const auth = tokens ? tokenAuth() : undefined;
  return startProxy(target, async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    stats.peak = Math.max(stats.peak, ++stats.inFlight);
    const received = performance.now();
    // Recorded as received: the token check below takes the authorization header off.
    const headers = { ...req.headers } as Record<string, string>;
    const entry = { server, method: req.method ?? "GET", path: req.url ?? "/", headers };
    res.on("close", () => {
      stats.inFlight--;
      stats.totalMs += performance.now() - received;
      log.push({ ...entry, status: res.statusCode, received: performance.timeOrigin + received });
    });
    await sleep(data.latencyMs);
    return auth ? auth(req, res) : false;
  });
}

const s3 = await startS3(data.s3Dir);
await s3.createBucket(data.bucket);
const registry = await latencyProxy(data.registryUrl, "registry", data.tokens);
const bucket = await latencyProxy(s3.endpoint, "s3", false);
const port = parentPort!;
port.on("message", (message: string) => {
  if (message === "stats")
    port.postMessage({
      requests: stats.requests,
      peak: stats.peak,
      meanMs: stats.totalMs / stats.requests,
      busy: performance.eventLoopUtilization(since).utilization,
    });
  if (message === "log") port.postMessage(log.sort((a, b) => a.received - b.received));
  if (message === "reset") {
    [stats.requests, stats.peak, stats.totalMs] = [0, 0, 0];
    log = [];
    since = performance.eventLoopUtilization();
  }
  if (message === "stop")
    void Promise.all([registry.stop(), bucket.stop()])
      .then(() => s3.stop())
      .then(() => {
        port.close();
      });
});
port.postMessage({ registry: registry.host, s3: bucket.url });
