import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { uploadLegacyMirror } from "../../test/helpers/spack-mirror.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const env = useTestS3("spackitor-outputs");
const LOCK = join(SPACK_FIXTURES, "versions/v0.21-spack.lock");
const run = (args: readonly string[]) => runCaptured(buildProgram(), args);

/** A folder of lock files as the generate jobs leave them, and a link to one of them. */
async function lockFolder() {
  const dir = await tempDir();
  await mkdir(join(dir, "locks/amd64/gromacs"), { recursive: true });
  const lock = join(dir, "locks/amd64/gromacs/spack.lock");
  await copyFile(LOCK, lock);
  await symlink(lock, join(dir, "link.json"));
  execFileSync("mkfifo", [join(dir, "pipe")]);
  return { dir, lock, before: await readFile(lock, "utf8") };
}

describe("the files spackitor writes", () => {
  // Nothing listens on port 9: a refusal must come before any request.
  const offline = ["-b", "cache", "--endpoint", "http://127.0.0.1:9", "-m", "30", "--dry-run"];

  it.each([
    [
      "--json at a lock file it reads",
      (d: string) => ["--json", join(d, "locks/amd64/gromacs/spack.lock")],
      /--json: that is a lock file, which this command reads/,
    ],
    [
      "--json at a link to one",
      (d: string) => ["--json", join(d, "link.json")],
      /link\.json: --json: that is a lock file, which this command reads/,
    ],
    [
      "--log-file at a lock file it reads",
      (d: string) => ["--log-file", join(d, "locks/amd64/gromacs/spack.lock")],
      /--log-file: that is a lock file, which this command reads/,
    ],
    [
      "--log-file at a folder",
      (d: string) => ["--log-file", join(d, "locks")],
      /--log-file: that is a folder: name a file/,
    ],
    [
      "--json at a named pipe",
      (d: string) => ["--json", join(d, "pipe")],
      /pipe: --json: that is a named pipe, not a regular file: name a file/,
    ],
    [
      // Appended to, /dev/full is never replaced; run as root, a rename over it would.
      "--log-file at a device",
      () => ["--log-file", "/dev/full"],
      /\/dev\/full: --log-file: that is a device, not a regular file: name a file/,
    ],
    [
      "--json and --log-file at one file",
      (d: string) => ["--json", join(d, "out"), "--log-file", join(d, "out")],
      /out: --log-file: the same file as --json/,
    ],
  ])(
    "refuses %s with exit 2, before reading the bucket, the lock file untouched",
    async (_, flags, message) => {
      const { dir, lock, before } = await lockFolder();
      const result = await run([...offline, "--lock", join(dir, "locks"), ...flags(dir)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
      expect(await readFile(lock, "utf8")).toBe(before);
    },
  );

  it("logs a failed run's retries and its failure, not only what came before", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
    onTestFinished(() => void vi.unstubAllEnvs());
    const { dir } = await lockFolder();
    const log = join(dir, "prune.log");
    const result = await run([
      ...offline,
      "--lock",
      join(dir, "locks"),
      "--retry-budget",
      "1",
      "--log-file",
      log,
    ]);
    expect(result.code).toBe(1);
    const logged = (await readFile(log, "utf8")).replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, "");
    expect(logged).toMatch(/^reading s3:\/\/cache at http:\/\/127\.0\.0\.1:9; /);
    expect(logged).toMatch(/^retrying s3:\/\/cache at http:\/\/127\.0\.0\.1:9: ECONNREFUSED; /m);
    expect(logged).toMatch(/^error: cannot read .* gave up within the retry budget of 1 s\)\n$/m);
    expect(result.stderr).toContain(logged.split("\n").at(-2)!);
  });

  it("appends every line it prints to --log-file, with a time, making its folder", async () => {
    const bucket = await env.bucket();
    await uploadLegacyMirror(env.s3, bucket);
    vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
    onTestFinished(() => void vi.unstubAllEnvs());
    const { dir } = await lockFolder();
    const log = join(dir, "logs/prune.log");
    const args = ["-b", bucket, "--endpoint", env.s3.endpoint, "-m", "30", "--dry-run"];
    const result = await run([...args, "--lock", join(dir, "locks"), "--log-file", log]);
    expect(result.code).toBe(0);
    const printed = result.stdout.trimEnd().split("\n");
    const logged = (await readFile(log, "utf8")).trimEnd().split("\n");
    expect(printed.length).toBeGreaterThan(2);
    expect(logged.map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ""))).toEqual(printed);
  });
});
