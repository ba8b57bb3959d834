import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { runCaptured } from "../../test/helpers/program.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { uploadLegacyMirror } from "../../test/helpers/spack-mirror.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const env = useTestS3("spackitor-cli");
const run = (args: readonly string[]) => runCaptured(buildProgram(), args);

/** The test server's keys, through the variables the SDK reads, for this test only. */
function stubKeys(): void {
  vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
  onTestFinished(() => void vi.unstubAllEnvs());
}

describe("spackitor's arguments", () => {
  // Number("") is 0 and Number("0x10") is 16: each of these once meant "delete everything".
  const bad = ["", "0", "-1", "1.5", "0x10", "1e3", " 7", "ten"];
  it.each(bad.flatMap((v) => [["--max-age", v] as const, ["--min-age", v] as const]))(
    "refuses %s %j with exit 2 before reading anything",
    async (flag, value) => {
      const args = ["-b", "nowhere", "--endpoint", "http://127.0.0.1:9", "-m", "30", flag, value];
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/expected a whole number from 1/);
      expect(result.stdout).toBe("");
    },
  );

  it("refuses a purge of something that is not a DAG hash, naming it", async () => {
    const result = await run([
      "purge-hashes",
      "-b",
      "x",
      "--endpoint",
      "http://127.0.0.1:9",
      "abc",
      "$(id)",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a DAG hash .*"abc", "\$\(id\)"/);
  });

  it("names close packages when purge-package is given one the cache does not hold", async () => {
    const bucket = await env.bucket();
    await uploadLegacyMirror(env.s3, bucket);
    stubKeys();
    const before = await env.keysOf(bucket);
    const result = await run([
      "purge-package",
      "-b",
      bucket,
      "--endpoint",
      env.s3.endpoint,
      "zlibb",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no package "zlibb" in the cache; did you mean zlib/);
    expect(await env.keysOf(bucket)).toEqual(before);
  });

  it("shows a lock file's escape sequences escaped when its error quotes them", async () => {
    const lock = join(await tempDir(), "spack.lock");
    // Clear the screen, then a forged line: JSON.parse's message quotes the file's start.
    await writeFile(lock, "\x1b[2J\rspack.lock: fine\x07");
    const result = await run([
      "-b",
      "x",
      "--endpoint",
      "http://127.0.0.1:9",
      "-m",
      "30",
      "--lock",
      lock,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not a JSON lock file");
    expect(result.stderr).toContain("\\u001b[2J\\u000dspack");
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });

  it("gives up on an endpoint that never answers after --retry-budget, not after minutes", async () => {
    const silent = await startProxy("http://127.0.0.1:9", () => true);
    onTestFinished(() => silent.stop());
    stubKeys();
    const start = Date.now();
    const result = await run([
      "-b",
      "cache",
      "--endpoint",
      silent.url,
      "-m",
      "30",
      "--timeout",
      "1",
      "--retry-budget",
      "2",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /\(failed \d+ times in [23] s; gave up within the retry budget of 2 s\)/,
    );
    // The wait is not silent: the first retry is noted at once.
    expect(result.stderr).toMatch(
      /^retrying s3:\/\/cache at http:\/\/127\.0\.0\.1:\d+: no answer within 1 s; attempt 2 in [\d.]+ s, within a retry budget of 2 s$/m,
    );
    expect(Date.now() - start).toBeLessThan(8_000);
  });

  it("stops on an endpoint that answers web pages instead of S3, writing nothing", async () => {
    const methods: string[] = [];
    const server = createServer((req, res) => {
      methods.push(req.method ?? "");
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Please log in</body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => void server.close());
    const { port } = server.address() as AddressInfo;
    stubKeys();
    const result = await run(["-b", "cache", "--endpoint", `http://127.0.0.1:${port}`, "-m", "30"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the answer is not an S3 listing .*is the endpoint an S3 API/);
    expect(methods.filter((m) => m !== "GET")).toEqual([]);
  });
});
