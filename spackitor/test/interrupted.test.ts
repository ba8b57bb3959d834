import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { UserError } from "../../common/src/errors.js";
import { S3Store } from "../../common/src/s3/s3-store.js";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { s3Error, TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { runPrune } from "../src/commands/prune.js";
import { classify } from "../src/layout.js";
import { FLAGS, brokenEntries, mirror, options, state } from "./mirror-fixture.js";

const env = useTestS3("interrupted");
const TSX = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MUTATING = new Set(["PUT", "POST", "DELETE"]);

/**
 * Runs the real CLI through a proxy that SIGKILLs it at its `point`-th mutating request,
 * before the request reaches the server or after the server carried it out.
 */
async function runKilled(bucket: string, lock: string, point: number, when: "before" | "after") {
  let n = 0;
  let kill: () => void = () => {};
  const proxy = await startProxy(
    env.s3.endpoint,
    (req) => {
      if (!MUTATING.has(req.method ?? "") || ++n !== point || when !== "before") return false;
      kill();
      req.socket.destroy();
      return true;
    },
    (req) => {
      if (MUTATING.has(req.method ?? "") && n === point && when === "after") kill();
    },
  );
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      join(REPO_ROOT, "spackitor/src/main.ts"),
      "-b",
      bucket,
      "--endpoint",
      proxy.url,
      "-e",
      lock,
      ...FLAGS,
    ],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => {
      resolve({ code, signal });
    }),
  );
  kill = () => child.kill("SIGKILL");
  const result = await exited;
  await proxy.stop();
  return { ...result, mutating: n, stderr };
}

describe("spackitor killed at every step", () => {
  it("never lists a deleted spec, never loses a locked one, and the next run ends where a clean run does", async () => {
    const reference = await mirror(env);
    await runPrune(options(reference.lock), env.s3.store(reference.bucket), memoryOutput());
    const expected = await state(env, reference.bucket);
    expect(expected.indexed.length).toBeLessThan(40);

    const clean = await mirror(env);
    const unharmed = await runKilled(clean.bucket, clean.lock, 0, "before");
    expect(unharmed, unharmed.stderr).toMatchObject({ code: 0 });
    expect(unharmed.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(await state(env, clean.bucket)).toEqual(expected);
    const points = unharmed.mutating;
    expect(points).toBeGreaterThanOrEqual(6); // journal, index, hash, batches, journal removal

    const tried: string[] = [];
    for (let point = 1; point <= points; point++) {
      for (const when of ["before", "after"] as const) {
        const { bucket, lock, locked } = await mirror(env);
        const run = await runKilled(bucket, lock, point, when);
        expect(run.signal, `${when} ${point}`).toBe("SIGKILL");
        const left = await state(env, bucket);
        expect(brokenEntries(left), `${when} request ${point}`).toEqual([]);
        const present = new Set(left.keys.map((k) => classify(k).hash));
        expect(locked.filter((h) => !present.has(h))).toEqual([]);
        await runPrune(options(lock), env.s3.store(bucket), memoryOutput());
        expect(await state(env, bucket), `rerun after a kill ${when} request ${point}`).toEqual(
          expected,
        );
        tried.push(`${when} ${point}`);
      }
    }
    expect(tried).toHaveLength(points * 2);
  }, 240_000);
});

describe("spackitor when the S3 server goes down", () => {
  it("fails at any step with the cache consistent, and the next run finishes the job", async () => {
    const reference = await mirror(env);
    await runPrune(options(reference.lock), env.s3.store(reference.bucket), memoryOutput());
    const expected = await state(env, reference.bucket);
    let failures = 0;
    for (let point = 1; ; point++) {
      const { bucket, lock } = await mirror(env);
      let n = 0;
      // From the `point`-th write on, every write fails, as when the server or its disk gives out.
      const proxy = await startProxy(env.s3.endpoint, (req, res) => {
        if (!MUTATING.has(req.method ?? "") || ++n < point) return false;
        return s3Error(res, 500, "InternalError", "down");
      });
      const store = new S3Store({
        bucket,
        endpoint: proxy.url,
        credentials: TEST_CREDENTIALS,
        policy: { timeoutMs: 5_000, budgetMs: 100, initialDelayMs: 50, maxDelayMs: 100 },
      });
      const error = await runPrune(options(lock), store, memoryOutput()).catch((e: unknown) => e);
      await proxy.stop();
      const left = await state(env, bucket);
      expect(brokenEntries(left), `writes failing from ${point}`).toEqual([]);
      await runPrune(options(lock), env.s3.store(bucket), memoryOutput());
      expect(await state(env, bucket), `after writes failed from ${point}`).toEqual(expected);
      if (!(error instanceof UserError)) break; // the server went down after the run's last write
      failures++;
    }
    expect(failures).toBeGreaterThanOrEqual(6);
  }, 120_000);
});
