import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryOutput } from "../../test/helpers/output.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { useTestS3 } from "../../test/helpers/s3.js";
import { uploadLegacyMirror, uploadV3Mirror } from "../../test/helpers/spack-mirror.js";
import { runPrune } from "../src/commands/prune.js";
import { options, ageAll, runtimeDeps, mostDependedOn, hashOf, lockOf } from "./prune-fixture.js";
import { agedLegacyMirror, deletedKeys } from "./prune-fixture.js";

const env = useTestS3("spackitor-layouts");

describe("spackitor on a Spack 1.0 (v3) mirror", () => {
  it("keeps what the v6 lock file uses and deletes the orphaned index blob", async () => {
    const bucket = await env.bucket();
    const { keys, orphanBlob } = await uploadV3Mirror(env.s3, bucket);
    await ageAll(env, bucket, keys, 100);
    const report = await runPrune(
      options({ locks: [join(SPACK_FIXTURES, "versions/v1.0-spack.lock")] }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(deletedKeys(report.plan)).toEqual([orphanBlob]);
    expect(await env.keysOf(bucket)).toEqual(keys.filter((k) => k !== orphanBlob).sort());
  });

  it("deletes a spec's manifest and the blobs no kept manifest uses, and writes a new index", async () => {
    const bucket = await env.bucket();
    const { keys, blobsOf } = await uploadV3Mirror(env.s3, bucket);
    await ageAll(env, bucket, keys, 1);
    // libxslt: a root nothing depends on.
    const xz = keys.find((k) => k.includes("/libxslt-1.1.42-"))!;
    await env.s3.age(bucket, xz, 100);
    const report = await runPrune(
      options({ dependents: "keep" }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    const xzHash = "znywdb7ijwwni2uh5xofzepdoyjdmshz";
    const xzBlobs = blobsOf.get(xzHash)!.map((c) => `blobs/sha256/${c.slice(0, 2)}/${c}`);
    expect(deletedKeys(report.plan)).toEqual([xz, ...xzBlobs].sort());
    const store = env.s3.store(bucket);
    const manifest = JSON.parse(
      (await store.get("v3/manifests/index/index.manifest.json"))!.body.toString(),
    );
    const blob = (await store.get(
      `blobs/sha256/${manifest.data[0].checksum.slice(0, 2)}/${manifest.data[0].checksum}`,
    ))!.body;
    expect(createHash("sha256").update(blob).digest("hex")).toBe(manifest.data[0].checksum);
    expect(manifest.data[0]).toMatchObject({
      mediaType: "application/vnd.spack.db.v8+json",
      contentLength: blob.length,
    });
    const installs = JSON.parse(blob.toString()).database.installs;
    expect(Object.keys(installs)).not.toContain(xzHash);
    expect(Object.keys(installs)).toHaveLength(10);
    expect(installs.dwu5eopbj2efglsv5o5oi3edrgviwp2r.in_buildcache).toBe(false); // the external gcc stays as it was
  });
});

describe("a mirror holding both layouts", () => {
  it("plans both from one listing, each spec by its own index", async () => {
    const bucket = await env.bucket();
    const legacy = await uploadLegacyMirror(env.s3, bucket);
    const v3 = await uploadV3Mirror(env.s3, bucket);
    await ageAll(env, bucket, [...legacy.keys, ...v3.keys], 100);
    const locked = new Set(
      Object.keys(JSON.parse(await readFile(lockOf("small"), "utf8")).concrete_specs),
    );
    const output = memoryOutput();
    const report = await runPrune(
      options({
        dryRun: true,
        locks: [lockOf("small"), join(SPACK_FIXTURES, "versions/v1.0-spack.lock")],
      }),
      env.s3.store(bucket),
      output,
    );
    const expected = [
      ...legacy.keys.filter((k) => hashOf(k) && !locked.has(hashOf(k)!)),
      v3.orphanBlob,
    ].sort();
    expect(deletedKeys(report.plan)).toEqual(expected);
    expect(output.lines.join("\n")).toMatch(/layouts: legacy, v3/);
  });
});

describe("manual purges", () => {
  it("purge-hashes deletes the given spec and, by default, what depends on it, whatever their age", async () => {
    const { bucket, index } = await agedLegacyMirror(env, 1);
    const target = mostDependedOn(index);
    const wanted = new Set([target]);
    const report = await runPrune(
      options({
        dryRun: true,
        orphans: "none",
        select: (e) => (wanted.has(e.hash) ? "purged on request" : undefined),
      }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(
      report.plan.decisions
        .filter((d) => d.hash === target)
        .every((d) => d.reason === "purged on request"),
    ).toBe(true);
    const dependents = Object.entries(index)
      .filter(([, e]) => runtimeDeps(e).includes(target))
      .map(([h]) => h);
    for (const h of dependents) expect(report.plan.deletedSpecs.has(h)).toBe(true);
    expect(
      report.plan.decisions
        .filter((d) => d.action === "keep")
        .every((d) => d.reason === "not selected" || d.reason === "mirror metadata"),
    ).toBe(true);
  });

  it("purge-orphans deletes orphans of any age and nothing else", async () => {
    const { bucket, keys } = await agedLegacyMirror(env, 100);
    const stray =
      "build_cache/linux-debian12-x86_64_v3-gcc-12.2.0-gone-1.0-cccccccccccccccccccccccccccccccc.spec.json.sig";
    await env.s3.put(bucket, stray, "sig");
    await env.s3.age(bucket, stray, 1);
    const report = await runPrune(
      options({ maxAgeDays: 0, orphans: "all", select: () => undefined }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(report.plan.decisions.filter((d) => d.action === "delete").map((d) => d.key)).toEqual([
      stray,
    ]);
    expect(await env.keysOf(bucket)).toEqual([...keys].sort());
  });
});
