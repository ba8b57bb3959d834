import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { UserError } from "../../common/src/errors.js";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { s3Error, TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { generateLegacyMirror } from "../../test/synthetic/spack-mirror.js";
import { runPrune, type PruneOptions } from "../src/commands/prune.js";
import { S3Store } from "../../common/src/s3/s3-store.js";
import { deletedKeys } from "./prune-fixture.js";

const env = useTestS3("faults");
let seeds = 0;

/** The bucket through a fault-injecting proxy, each request retried for up to `budgetMs`. */
const storeVia = (endpoint: string, bucket: string, budgetMs: number, timeoutMs = 5_000) =>
  new S3Store({
    bucket,
    endpoint,
    credentials: TEST_CREDENTIALS,
    policy: { timeoutMs, budgetMs, initialDelayMs: 20, maxDelayMs: 200 },
  });

/** A synthetic mirror of 650 specs (1,301 objects: listing needs two pages), the older half old. */
async function mirror(): Promise<{ bucket: string; keys: string[] }> {
  const bucket = await env.bucket();
  const { objects, hashes } = generateLegacyMirror(650, ++seeds);
  const limit = pLimit(16);
  await Promise.all([...objects].map(([key, body]) => limit(() => env.s3.put(bucket, key, body))));
  const old = new Set(hashes.slice(0, 325));
  await Promise.all(
    [...objects.keys()].map((key) =>
      limit(() => env.s3.age(bucket, key, [...old].some((h) => key.includes(h)) ? 100 : 1)),
    ),
  );
  return { bucket, keys: [...objects.keys()].sort() };
}

const options: PruneOptions = {
  prefix: "",
  maxAgeDays: 30,
  locks: [],
  dependents: "keep",
  dryRun: false,
  minAgeDays: 1,
  concurrency: 4,
  now: new Date(Date.now() + 60_000),
};

describe("spackitor under faults", () => {
  it("lists past 1,000 objects without repeats", async () => {
    const { bucket, keys } = await mirror();
    expect(await env.keysOf(bucket)).toEqual(keys);
    expect(keys.length).toBeGreaterThan(1000);
  });

  it("completes with exactly the planned deletions through 500s, SlowDown and dropped connections", async () => {
    const { bucket, keys } = await mirror();
    const planned = await runPrune(
      { ...options, dryRun: true },
      env.s3.store(bucket),
      memoryOutput(),
    );
    const toDelete = new Set(deletedKeys(planned.plan));
    expect(toDelete.size).toBeGreaterThan(20);
    let n = 0;
    let faults = 0;
    const proxy = await startProxy(env.s3.endpoint, (req, res) => {
      n++;
      if (n % 9 === 0 || n % 4 === 0 || n % 7 === 0) faults++;
      if (n % 9 === 0) {
        req.socket.destroy();
        return true;
      }
      if (n % 4 === 0) return s3Error(res, 503, "SlowDown", "Please reduce your request rate.");
      if (n % 7 === 0) return s3Error(res, 500, "InternalError", "boom");
      return false;
    });
    try {
      const store = storeVia(proxy.url, bucket, 10_000);
      const report = await runPrune(options, store, memoryOutput());
      expect(report.applied!.failed).toEqual([]);
      expect(faults).toBeGreaterThanOrEqual(3);
    } finally {
      await proxy.stop();
    }
    const left = await env.keysOf(bucket);
    // Exactly the planned deletions; the index was rewritten, with the hash file Spack writes beside it.
    expect(left).toEqual(
      [...keys.filter((k) => !toDelete.has(k)), "build_cache/index.json.hash"].sort(),
    );
  });

  it("rides out a spell of throttling longer than the SDK's own retries, within the budget", async () => {
    const { bucket, keys } = await mirror();
    let refused = 0;
    // The listing is throttled 10 times: the SDK's standard strategy gives up after 6 attempts.
    const proxy = await startProxy(env.s3.endpoint, (req, res) => {
      if (refused >= 10 || !req.url?.includes("list-type=2")) return false;
      refused++;
      return s3Error(res, 503, "SlowDown", "Please reduce your request rate.");
    });
    try {
      const report = await runPrune(options, storeVia(proxy.url, bucket, 20_000), memoryOutput());
      expect(report.applied!.failed).toEqual([]);
      expect(refused).toBe(10);
    } finally {
      await proxy.stop();
    }
    expect((await env.keysOf(bucket)).length).toBeLessThan(keys.length);
  });

  it("gives up on throttling that outlasts the retry budget, saying how long it tried", async () => {
    const { bucket, keys } = await mirror();
    const proxy = await startProxy(env.s3.endpoint, (_req, res) =>
      s3Error(res, 503, "SlowDown", "Please reduce your request rate."),
    );
    try {
      const error = await runPrune(
        options,
        storeVia(proxy.url, bucket, 1_000),
        memoryOutput(),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(
        /^cannot (read|list) \S+ in s3:\/\/\S+ at http:\/\/127\.0\.0\.1:\d+ \(HTTP 503 SlowDown\): Please reduce your request rate\. \(failed \d+ times in 1 s; gave up within the retry budget of 1 s\)$/,
      );
      expect(proxy.requests.length).toBeGreaterThan(5);
    } finally {
      await proxy.stop();
    }
    expect(await env.keysOf(bucket)).toEqual(keys);
  });

  it("fails clearly when deletions keep failing, and deletes nothing it should keep", async () => {
    const { bucket, keys } = await mirror();
    const proxy = await startProxy(env.s3.endpoint, (req, res) => {
      return req.method === "POST" && s3Error(res, 500, "InternalError", "down");
    });
    try {
      const store = storeVia(proxy.url, bucket, 100);
      const output = memoryOutput();
      const error = await runPrune(options, store, output).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/\d+ objects could not be deleted/);
      // The index dropped the doomed specs before the deletions were tried.
      expect(output.lines.join("\n")).toMatch(/removed \d+ specs from build_cache\/index\.json/);
    } finally {
      await proxy.stop();
    }
    expect(await env.keysOf(bucket)).toEqual(
      [...keys, "build_cache/index.json.hash", "spackitor-journal.json"].sort(),
    );
  });

  it("gives up on an S3 server that accepts and never answers, instead of hanging", async () => {
    const bucket = await env.bucket();
    const proxy = await startProxy(env.s3.endpoint, () => true);
    try {
      const store = storeVia(proxy.url, bucket, 500, 300);
      const start = Date.now();
      const error = await runPrune(options, store, memoryOutput()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/cannot (list|read) .* in s3:\/\//);
      expect(Date.now() - start).toBeLessThan(5_000);
    } finally {
      await proxy.stop();
    }
  });
});
