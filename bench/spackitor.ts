/**
 * spackitor on a 20,000-spec legacy mirror in s3rver, counting requests by type through a
 * proxy, against the floor: LIST pages + one index GET + DELETE batches.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { startProxy } from "../test/helpers/http-proxy.js";
import { REPO_ROOT } from "../test/helpers/paths.js";
import { startS3 } from "../test/helpers/s3.js";
import { generateLegacyMirror } from "../test/synthetic/spack-mirror.js";

// BENCH_QUICK (npm run bench:quick): a tenth of the mirror.
const QUICK = process.env["BENCH_QUICK"] === "1";
const SPECS = QUICK ? 2_000 : 20_000;
const OLD = QUICK ? 500 : 5_000;

const work = await mkdtemp(join(tmpdir(), "spackitor-bench-"));
const s3 = await startS3(join(work, "s3"));
try {
  await s3.createBucket("bench-cache");
  const { objects, hashes } = generateLegacyMirror(SPECS, 42);
  const started = performance.now();
  const limit = pLimit(32);
  await Promise.all(
    [...objects].map(([key, body]) => limit(() => s3.put("bench-cache", key, body))),
  );
  // The newest 5,000 specs are old: nothing older depends on them, so the plan is exact.
  const old = new Set(hashes.slice(SPECS - OLD));
  await Promise.all(
    [...objects.keys()].map((key) =>
      limit(() =>
        s3.age("bench-cache", key, old.has(/-([a-z2-7]{32})\./.exec(key)?.[1] ?? "") ? 100 : 1),
      ),
    ),
  );
  console.log(
    `\nspackitor benchmark: ${SPECS} specs, ${objects.size} objects, ${OLD} specs older than --max-age (mirror built in ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );

  const counts = new Map<string, number>();
  const proxy = await startProxy(s3.endpoint, (req) => {
    const url = new URL(req.url ?? "/", "http://x");
    const kind =
      req.method === "GET" && url.searchParams.has("list-type")
        ? "LIST"
        : req.method === "POST" && url.searchParams.has("delete")
          ? "DELETE batch"
          : `${req.method} object`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return false;
  });
  const t = performance.now();
  // Asynchronous: s3rver and the proxy run in this process and must keep answering.
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(REPO_ROOT, "spackitor/src/main.ts"),
          "-b",
          "bench-cache",
          "-m",
          "30",
          "--endpoint",
          proxy.url,
          // s3rver deletes a batch's objects one after another on one thread: four batches of
          // 1,000 at once (the default) passed the client's 30 s request timeout on a busy
          // disk, and spackitor rightly reported them not deleted. The requests are the same.
          "--concurrency",
          "1",
        ],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            AWS_REGION: "us-east-1",
          },
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => {
        resolve({ status, stdout, stderr });
      });
    },
  );
  const wall = performance.now() - t;
  await proxy.stop();
  if (run.status !== 0) throw new Error(`spackitor failed: ${run.stderr}`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const floor = Math.ceil(objects.size / 1000) + 1 + Math.ceil((OLD * 2) / 1000);
  console.log(
    run.stdout
      .split("\n")
      .filter((l) => /^(plan| {2}delete|deleted)/.test(l))
      .join("\n"),
  );
  console.log(`requests: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}; total ${total}`);
  console.log(
    `floor (LIST pages + index GET + DELETE batches): ${floor}; ratio ${(total / floor).toFixed(2)} (index rewrite PUTs included)`,
  );
  console.log(
    `wall time ${(wall / 1000).toFixed(1)} s (process start included; s3rver is the bottleneck here)`,
  );
} finally {
  await s3.stop();
  await rm(work, { recursive: true, force: true });
}
