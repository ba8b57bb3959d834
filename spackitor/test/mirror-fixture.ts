import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import type { useTestS3 } from "../../test/helpers/s3.js";
import { generateLegacyMirror } from "../../test/synthetic/spack-mirror.js";
import type { PruneOptions } from "../src/commands/prune.js";
import { classify } from "../src/layout.js";

type Env = ReturnType<typeof useTestS3>;

/** 40 specs, the first half 100 days old, the rest 5; one old spec locked with its whole DAG. */
export async function mirror(
  env: Env,
): Promise<{ bucket: string; lock: string; locked: string[] }> {
  const bucket = await env.bucket();
  const { objects, hashes } = generateLegacyMirror(40, 7);
  const limit = pLimit(16);
  await Promise.all([...objects].map(([k, body]) => limit(() => env.s3.put(bucket, k, body))));
  const old = new Set(hashes.slice(0, 20));
  await Promise.all(
    [...objects.keys()].map((key) =>
      limit(() => env.s3.age(bucket, key, old.has(classify(key).hash ?? "") ? 100 : 5)),
    ),
  );
  const installs = JSON.parse(objects.get("build_cache/index.json")!).database.installs;
  const locked = dagOf(installs, hashes[12]!);
  const lock = join(env.dir, `${bucket}.lock`);
  const concrete = Object.fromEntries(locked.map((h) => [h, installs[h].spec]));
  await writeFile(
    lock,
    JSON.stringify({
      _meta: { "lockfile-version": 4 },
      roots: [{ hash: hashes[12], spec: "x" }],
      concrete_specs: concrete,
    }),
  );
  return { bucket, lock, locked };
}

type Installs = Record<string, { spec: { dependencies?: { hash: string }[] } }>;
function dagOf(installs: Installs, root: string): string[] {
  const seen = new Set([root]);
  const stack = [root];
  while (stack.length)
    for (const d of installs[stack.pop()!]!.spec.dependencies ?? [])
      if (!seen.has(d.hash)) {
        seen.add(d.hash);
        stack.push(d.hash);
      }
  return [...seen];
}

export const FLAGS = ["-m", "30", "--min-age", "1", "--batch-size", "10", "--concurrency", "1"];
export const options = (lock: string): PruneOptions => ({
  prefix: "",
  maxAgeDays: 30,
  minAgeDays: 1,
  locks: [lock],
  dependents: "delete",
  dryRun: false,
  concurrency: 1,
  batchSize: 10,
  now: new Date(),
});

/** What the bucket holds: its keys, and the specs its index lists. */
export async function state(
  env: Env,
  bucket: string,
): Promise<{ keys: string[]; indexed: string[] }> {
  const keys = await env.keysOf(bucket);
  const index = await env.s3.store(bucket).get("build_cache/index.json");
  const indexed = Object.keys(JSON.parse(index!.body.toString()).database.installs).sort();
  return { keys, indexed };
}

/** The invariant that must hold at every instant: each indexed spec has its tarball and spec file. */
export function brokenEntries({ keys, indexed }: { keys: string[]; indexed: string[] }): string[] {
  const kinds = new Map<string, Set<string>>();
  for (const key of keys) {
    const c = classify(key);
    if (c.hash) kinds.set(c.hash, (kinds.get(c.hash) ?? new Set()).add(c.kind));
  }
  return indexed.filter((h) => !kinds.get(h)?.has("tarball") || !kinds.get(h)?.has("spec"));
}
