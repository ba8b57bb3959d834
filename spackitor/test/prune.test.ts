import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { memoryOutput } from "../../test/helpers/output.js";
import { useTestS3 } from "../../test/helpers/s3.js";
import { uploadLegacyMirror } from "../../test/helpers/spack-mirror.js";
import { runPrune } from "../src/commands/prune.js";
import {
  options,
  ageAll,
  agedLegacyMirror,
  runtimeDeps,
  mirrorWithOneOldSpec,
  hashOf,
  lockOf,
  deletedKeys,
} from "./prune-fixture.js";

const env = useTestS3("spackitor");

describe("spackitor on the real legacy mirror (59 specs)", () => {
  it("dry run: plans exactly every old spec outside the lock file, and deletes nothing", async () => {
    const { bucket, keys } = await agedLegacyMirror(env, 100);
    const lock = JSON.parse(await readFile(lockOf("small"), "utf8"));
    const locked = new Set(Object.keys(lock.concrete_specs));
    const output = memoryOutput();
    const report = await runPrune(
      options({ dryRun: true, locks: [lockOf("small")] }),
      env.s3.store(bucket),
      output,
    );
    const expected = keys.filter((k) => hashOf(k) && !locked.has(hashOf(k)!)).sort();
    expect(deletedKeys(report.plan)).toEqual(expected);
    expect(expected).toHaveLength((59 - locked.size) * 2);
    expect(await env.keysOf(bucket)).toEqual([...keys].sort());
    expect(output.lines.join("\n")).toMatch(/dry run: nothing was deleted/);
    expect(output.lines.join("\n")).toMatch(/delete +86 .* older than max age/);
  });

  it("deletes the planned objects and rewrites the index as Spack does", async () => {
    const { bucket, keys, index } = await agedLegacyMirror(env, 100);
    const report = await runPrune(
      options({ locks: [lockOf("medium")] }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    const deleted = deletedKeys(report.plan);
    expect(await env.keysOf(bucket)).toEqual(keys.filter((k) => !deleted.includes(k)).sort());
    const text = (await env.s3.store(bucket).get("build_cache/index.json"))!.body.toString();
    const hash = (await env.s3.store(bucket).get("build_cache/index.json.hash"))!.body.toString();
    expect(hash).toBe(createHash("sha256").update(text).digest("hex"));
    const installs = JSON.parse(text).database.installs as Record<string, unknown>;
    expect(Object.keys(installs).sort()).toEqual(
      Object.keys(index)
        .filter((h) => !report.plan.deletedSpecs.has(h))
        .sort(),
    );
    expect(JSON.parse(text).database.version).toBe("7");
    // Kept entries are unchanged.
    for (const [h, entry] of Object.entries(installs)) expect(entry).toEqual(index[h]);
  });

  it("keeps young specs, and specs modified after the run started", async () => {
    const { bucket, keys } = await agedLegacyMirror(env, 10);
    const zlib = keys.filter((k) => k.includes("-zlib-1.3-"));
    for (const key of zlib) await env.s3.age(bucket, key, -1); // pushed by a concurrent pipeline, in the future of this run
    const report = await runPrune(
      options({ dryRun: true, now: new Date() }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(report.plan.decisions.filter((d) => d.action === "delete")).toEqual([]);
    expect(report.plan.decisions.filter((d) => zlib.includes(d.key)).map((d) => d.reason)).toEqual([
      "modified after this run started",
      "modified after this run started",
    ]);
  });

  it("deletes dependents over several levels, or keeps the old dependency, by strategy", async () => {
    const { bucket, index, oldHash: zlibHash } = await mirrorWithOneOldSpec(env);
    // Every spec that depends on it at run time, directly or not, computed from the index.
    const dependents = new Set([zlibHash]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [h, e] of Object.entries(index)) {
        if (!dependents.has(h) && runtimeDeps(e).some((d) => dependents.has(d)))
          grew = Boolean(dependents.add(h));
      }
    }
    expect(dependents.size).toBeGreaterThan(3);
    const aggressive = await runPrune(
      options({ dryRun: true }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(aggressive.plan.deletedSpecs).toEqual(dependents);
    expect(
      new Set(
        aggressive.plan.decisions
          .filter((d) => d.reason === "depends on a deleted spec")
          .map((d) => d.hash),
      ),
    ).toEqual(new Set([...dependents].filter((h) => h !== zlibHash)));
    const output = memoryOutput();
    const careful = await runPrune(
      options({ dryRun: true, dependents: "keep" }),
      env.s3.store(bucket),
      output,
    );
    expect(careful.plan.deletedSpecs.size).toBe(0);
    expect(careful.plan.decisions.filter((d) => d.hash === zlibHash).map((d) => d.reason)).toEqual([
      "needed by a kept spec",
      "needed by a kept spec",
    ]);
    expect(output.lines.join("\n")).toContain(
      `with --dependents delete: delete ${dependents.size * 2} objects`,
    );
  });

  it("keeps an old dependency a lock file needs, and reports the conflict", async () => {
    const { bucket, index, oldHash: zlibHash } = await mirrorWithOneOldSpec(env);
    // A lock file listing only one spec that depends on it (not the old spec itself).
    const dependent = Object.entries(index).find(([, e]) => runtimeDeps(e).includes(zlibHash))!;
    const lockPath = join(env.dir, `lock-${bucket}.json`);
    await writeFile(
      lockPath,
      JSON.stringify({
        _meta: { "lockfile-version": 5 },
        roots: [],
        concrete_specs: { [dependent[0]]: dependent[1].spec },
      }),
    );
    const output = memoryOutput();
    const report = await runPrune(
      options({ dryRun: true, locks: [lockPath] }),
      env.s3.store(bucket),
      output,
    );
    expect(report.plan.conflicts).toEqual([{ kept: zlibHash, neededBy: dependent[0] }]);
    expect(report.plan.deletedSpecs.size).toBe(0);
    expect(output.lines.join("\n")).toMatch(
      /conflicts: 1 specs would have been deleted but a spec in a lock file needs them/,
    );
  });

  it("deletes specs whose package no longer exists in the Spack checkout", async () => {
    const { bucket, index } = await agedLegacyMirror(env, 1);
    const spack = join(env.dir, `spack-${bucket}`);
    const names = new Set(Object.values(index).map((e) => e.spec.name));
    names.delete("ninja");
    for (const name of names)
      await mkdir(join(spack, "var/spack/repos/builtin/packages", name), { recursive: true });
    const report = await runPrune(
      options({ dryRun: true, spackDirectory: spack, dependents: "keep" }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    const gone = report.plan.decisions.filter((d) => d.reason === "package no longer exists");
    expect(gone.map((d) => d.key).every((k) => k.includes("-ninja-"))).toBe(true);
    expect(gone).toHaveLength(2);
  });

  it("deletes old orphans (objects with no spec, specs without tarball) and keeps young ones", async () => {
    const { bucket, keys } = await agedLegacyMirror(env, 1);
    const stray =
      "build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/gone-1.0/linux-debian12-x86_64_v3-gcc-12.2.0-gone-1.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.spack";
    const young = stray.replace(/a{32}/g, "b".repeat(32));
    await env.s3.put(bucket, stray, "x");
    await env.s3.put(bucket, young, "x");
    await env.s3.age(bucket, stray, 100);
    await env.s3.age(bucket, young, 1);
    const tarball = keys.find((k) => k.endsWith(".spack") && k.includes("-ninja-"))!;
    await env.s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tarball }));
    const report = await runPrune(
      options({ dryRun: true, dependents: "keep" }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    const byKey = new Map(report.plan.decisions.map((d) => [d.key, d]));
    expect(byKey.get(stray)).toMatchObject({
      action: "delete",
      reason: "orphan: no spec in the index",
    });
    expect(byKey.get(young)).toMatchObject({ action: "keep", reason: "younger than max age" });
    const ninjaSpec = keys.find((k) => k.endsWith(".spec.json") && k.includes("-ninja-"))!;
    expect(byKey.get(ninjaSpec)).toMatchObject({
      action: "delete",
      reason: "orphan: spec without its tarball",
    });
  });

  it("never touches objects outside the mirror prefix", async () => {
    const bucket = await env.bucket();
    const { keys } = await uploadLegacyMirror(env.s3, bucket, "mirrors/prod");
    const outside = await uploadLegacyMirror(env.s3, bucket, "mirrors/other");
    await ageAll(env, bucket, [...keys, ...outside.keys], 100);
    const report = await runPrune(
      options({ prefix: "mirrors/prod" }),
      env.s3.store(bucket),
      memoryOutput(),
    );
    expect(report.applied!.deleted).toBe(118);
    const left = await env.keysOf(bucket);
    expect(outside.keys.every((k) => left.includes(k))).toBe(true);
    expect(left.filter((k) => k.startsWith("mirrors/prod/"))).toEqual([
      "mirrors/prod/build_cache/index.json",
      "mirrors/prod/build_cache/index.json.hash",
    ]);
  });

  it("deletes nothing the index does not name when it is missing, corrupt or empty, and says how to fix it", async () => {
    const cases: [string, (bucket: string) => Promise<unknown>][] = [
      [
        "is missing",
        (bucket) =>
          env.s3.client.send(
            new DeleteObjectCommand({ Bucket: bucket, Key: "build_cache/index.json" }),
          ),
      ],
      [
        "is not valid JSON",
        (bucket) => env.s3.put(bucket, "build_cache/index.json", '{"database": {"installs": '),
      ],
      [
        "lists no spec",
        (bucket) =>
          env.s3.put(
            bucket,
            "build_cache/index.json",
            '{"database": {"version": "7", "installs": {}}}',
          ),
      ],
    ];
    for (const [problem, breakIndex] of cases) {
      const { bucket } = await agedLegacyMirror(env, 100);
      await breakIndex(bucket);
      const before = await env.keysOf(bucket);
      const output = memoryOutput();
      const report = await runPrune(
        options({ locks: [lockOf("small")], orphans: "all" }),
        env.s3.store(bucket),
        output,
      );
      expect(report.plan.decisions.filter((d) => d.action === "delete")).toEqual([]);
      expect(output.errors.join("\n")).toMatch(
        new RegExp(
          `${problem}.*no orphan is deleted; rebuild it with \`spack buildcache update-index`,
        ),
      );
      expect(await env.keysOf(bucket)).toEqual(before);
    }
  });
});
