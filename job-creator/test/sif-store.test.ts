import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { runAsync } from "../../test/helpers/process.js";
import { startForwardProxy } from "../../test/helpers/forward-proxy.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { tempDir } from "../../test/helpers/temp-repo.js";

// singularitah/sif-store.sh with the real s3cmd against s3rver: the SIF jobs' upload path.
const SCRIPT = join(REPO_ROOT, "singularitah/sif-store.sh");
const SECRET = "not-a-real-secret-8d1e";

const s3 = useTestS3("sif-store");

function sifStore(args: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  return runAsync("sh", [SCRIPT, ...args], {
    cwd,
    env: {
      ...extraEnv,
      PATH: process.env["PATH"],
      HOME: cwd,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      // s3rver checks only the key id; the secret is a marker that must never be printed.
      AWS_SECRET_ACCESS_KEY: SECRET,
      S3_ENDPOINT_URL: s3.s3.endpoint,
      CI_JOB_ID: "4711",
    },
  });
}

async function sif(dir: string, content: string): Promise<string> {
  await writeFile(join(dir, "app.sif"), content);
  return "app.sif";
}

describe("sif-store.sh publish", () => {
  it("uploads a new file with its metadata and leaves no temporary key", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const result = await sifStore(
      [
        "publish",
        await sif(dir, "v1"),
        `s3://${bucket}/containers/app__1.0.sif`,
        "7",
        "container-checksum=abc",
        "spack-lock-sha256=def",
      ],
      dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await s3.keysOf(bucket)).toEqual(["containers/app__1.0.sif"]);
    const store = s3.s3.store(bucket);
    expect(await store.metadata("containers/app__1.0.sif")).toMatchObject({
      "container-checksum": "abc",
      "spack-lock-sha256": "def",
      // The file's own sha256, which jc images shows.
      sha256: createHash("sha256").update("v1").digest("hex"),
    });
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });

  it("moves the previous file to the archive and puts the new one in place", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const url = `s3://${bucket}/containers/app__1.0.sif`;
    await sifStore(["publish", await sif(dir, "v1"), url, "7", "container-checksum=one"], dir);
    const second = await sifStore(
      ["publish", await sif(dir, "v2"), url, "7", "container-checksum=two"],
      dir,
    );
    expect(second.code, second.stderr).toBe(0);
    const keys = await s3.keysOf(bucket);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^containers\/app__1\.0\.sif$/);
    expect(keys[1]).toMatch(/^containers\/archive\/app__1\.0\.\d{8}T\d{6}Z\.sif$/);
    const store = s3.s3.store(bucket);
    expect((await store.get("containers/app__1.0.sif"))?.body.toString()).toBe("v2");
    expect((await store.metadata("containers/app__1.0.sif"))?.["container-checksum"]).toBe("two");
    expect((await store.get(keys[1]!))?.body.toString()).toBe("v1");
    expect((await store.metadata(keys[1]!))?.["container-checksum"]).toBe("one");
  });

  it("changes nothing when the upload fails", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const url = `s3://${bucket}/containers/app__1.0.sif`;
    await sifStore(["publish", await sif(dir, "v1"), url, "7", "container-checksum=one"], dir);
    // A bucket that does not exist makes the upload itself fail.
    const failed = await sifStore(
      [
        "publish",
        await sif(dir, "v2"),
        `s3://${bucket}-gone/containers/app__1.0.sif`,
        "7",
        "container-checksum=two",
      ],
      dir,
    );
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("upload of app.sif failed");
    const missing = await sifStore(["publish", "nothing.sif", url, "7"], dir);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("nothing.sif does not exist");
    expect(await s3.keysOf(bucket)).toEqual(["containers/app__1.0.sif"]);
    expect((await s3.s3.store(bucket).get("containers/app__1.0.sif"))?.body.toString()).toBe("v1");
  });

  it("removes archives older than the configured age, and only those", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    await s3.s3.put(bucket, "containers/archive/app__1.0.20200101T000000Z.sif", "ancient");
    await s3.s3.age(bucket, "containers/archive/app__1.0.20200101T000000Z.sif", 30);
    await s3.s3.put(bucket, "containers/archive/app__1.0.20260101T000000Z.sif", "recent");
    await s3.s3.age(bucket, "containers/archive/app__1.0.20260101T000000Z.sif", 2);
    await s3.s3.put(bucket, "containers/archive/other__1.0.20200101T000000Z.sif", "other");
    await s3.s3.age(bucket, "containers/archive/other__1.0.20200101T000000Z.sif", 30);
    const result = await sifStore(
      ["publish", await sif(dir, "v1"), `s3://${bucket}/containers/app__1.0.sif`, "7"],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("removed");
    expect(await s3.keysOf(bucket)).toEqual([
      "containers/app__1.0.sif",
      "containers/archive/app__1.0.20260101T000000Z.sif",
      "containers/archive/other__1.0.20200101T000000Z.sif",
    ]);
  });

  it("keeps the newest ARCHIVE_KEEP archives whatever their age, and never another version's", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const old = (stamp: string) => `containers/archive/app__1.0.${stamp}.sif`;
    for (const stamp of ["20200101T000000Z", "20200201T000000Z", "20200301T000000Z"]) {
      await s3.s3.put(bucket, old(stamp), stamp);
      await s3.s3.age(bucket, old(stamp), 300);
    }
    // Version 1.0.1's archives start like 1.0's: they are not 1.0's to delete.
    const other = "containers/archive/app__1.0.1.20200101T000000Z.sif";
    await s3.s3.put(bucket, other, "other version");
    await s3.s3.age(bucket, other, 300);
    const url = `s3://${bucket}/containers/app__1.0.sif`;
    const keep = { ARCHIVE_KEEP: "2" };
    await sifStore(["publish", await sif(dir, "v1"), url, "7"], dir, keep);
    const result = await sifStore(["publish", await sif(dir, "v2"), url, "7"], dir, keep);
    expect(result.code, result.stderr).toBe(0);
    const keys = await s3.keysOf(bucket);
    // The archive of v1 this publish made, and the newest old one; the two oldest went.
    const archives = keys.filter((k) =>
      /^containers\/archive\/app__1\.0\.\d{8}T\d{6}Z\.sif$/.test(k),
    );
    expect(archives).toHaveLength(2);
    expect(archives[0]).toBe(old("20200301T000000Z"));
    expect(result.stdout).toMatch(
      /removed \S+20200201T000000Z\.sif \(archived more than 7 days ago, not one of the newest 2\)/,
    );
    expect(keys).toContain(other);
  });

  it("refuses an ARCHIVE_KEEP that is no whole number before uploading", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const result = await sifStore(
      ["publish", await sif(dir, "v1"), `s3://${bucket}/containers/app__1.0.sif`, "7"],
      dir,
      { ARCHIVE_KEEP: "-1" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ARCHIVE_KEEP must be a whole number, got '-1'");
    expect(await s3.keysOf(bucket)).toEqual([]);
  });

  it("refuses metadata that is not name=value", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const result = await sifStore(
      ["publish", await sif(dir, "v1"), `s3://${bucket}/containers/app__1.0.sif`, "7", "oops"],
      dir,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("metadata must be name=value");
    expect(await s3.keysOf(bucket)).toEqual([]);
  });
});

describe("sif-store.sh fetch", () => {
  it("downloads to the destination through a partial file", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    await s3.s3.put(bucket, "containers/app__1.0.sif", "image bytes");
    const dest = join(dir, "deploy", "app__1.0.sif");
    await mkdir(join(dir, "deploy"));
    const result = await sifStore(["fetch", `s3://${bucket}/containers/app__1.0.sif`, dest], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(dest, "utf8")).toBe("image bytes");
    const missing = await sifStore(
      ["fetch", `s3://${bucket}/containers/none.sif`, join(dir, "x.sif")],
      dir,
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("cannot download");
  });
});

describe("sif-store.sh behind a proxy", () => {
  it("sends every s3cmd request through HTTP_PROXY, signed for AWS_REGION", async () => {
    const proxy = await startForwardProxy();
    onTestFinished(proxy.stop);
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const url = `s3://${bucket}/containers/app__1.0.sif`;
    const env = { HTTP_PROXY: proxy.url, AWS_REGION: "eu-west-3" };
    const result = await sifStore(["publish", await sif(dir, "v1"), url, "7"], dir, env);
    expect(result.code, result.stderr).toBe(0);
    expect(await s3.keysOf(bucket)).toEqual(["containers/app__1.0.sif"]);
    expect(proxy.carried.length).toBeGreaterThan(2);
    expect(proxy.carried.every((line) => line.includes(new URL(s3.s3.endpoint).host))).toBe(true);
    expect(new Set(proxy.signedRegions)).toEqual(new Set(["eu-west-3"]));
  });

  it.each(["127.0.0.1", ".0.0.1", "*", "example.org, 127.0.0.1:9"])(
    "goes direct to a store NO_PROXY=%j names",
    async (noProxy) => {
      const proxy = await startForwardProxy();
      onTestFinished(proxy.stop);
      const dir = await tempDir();
      const bucket = await s3.bucket();
      const url = `s3://${bucket}/containers/app__1.0.sif`;
      const env = { http_proxy: proxy.url, NO_PROXY: noProxy };
      const result = await sifStore(["publish", await sif(dir, "v1"), url, "7"], dir, env);
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.carried).toEqual([]);
    },
  );

  it("refuses a proxy login it cannot send, without printing the password", async () => {
    const dir = await tempDir();
    const bucket = await s3.bucket();
    const url = `s3://${bucket}/containers/app__1.0.sif`;
    const env = { HTTP_PROXY: "http://builder:proxy-pass-77@127.0.0.1:9" };
    const result = await sifStore(["publish", await sif(dir, "v1"), url, "7"], dir, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/proxy for 127\.0\.0\.1:\d+ asks for a user and password/);
    expect(result.stderr).not.toContain("proxy-pass-77");
    expect(await s3.keysOf(bucket)).toEqual([]);
  });
});
