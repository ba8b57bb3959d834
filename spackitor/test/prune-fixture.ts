import { join } from "node:path";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import type { useTestS3 } from "../../test/helpers/s3.js";
import { uploadLegacyMirror } from "../../test/helpers/spack-mirror.js";
import type { PruneOptions } from "../src/commands/prune.js";

type Env = ReturnType<typeof useTestS3>;

export const options = (overrides: Partial<PruneOptions> = {}): PruneOptions => ({
  prefix: "",
  maxAgeDays: 30,
  locks: [],
  dependents: "delete",
  dryRun: false,
  minAgeDays: 1,
  concurrency: 4,
  now: new Date(Date.now() + 60_000),
  ...overrides,
});

export async function ageAll(env: Env, bucket: string, keys: readonly string[], days: number) {
  for (const key of keys) await env.s3.age(bucket, key, days);
}

/** The legacy mirror in a new bucket, every object `days` old. */
export async function agedLegacyMirror(env: Env, days: number) {
  const bucket = await env.bucket();
  const { keys, index } = await uploadLegacyMirror(env.s3, bucket);
  await ageAll(env, bucket, keys, days);
  return { bucket, keys, index };
}

export type Installs = Awaited<ReturnType<typeof uploadLegacyMirror>>["index"];

/** Link/run dependencies of an index entry (build-only ones do not make a binary depend on another). */
export const runtimeDeps = (entry: Installs[string]) =>
  ((entry.spec.dependencies ?? []) as { hash: string; parameters?: { deptypes: string[] } }[])
    .filter((d) => !d.parameters?.deptypes.every((t) => t === "build"))
    .map((d) => d.hash);

/** The spec most others depend on at run time: a good one to age. */
export function mostDependedOn(index: Installs): string {
  const counts = new Map<string, number>();
  for (const entry of Object.values(index))
    for (const dep of runtimeDeps(entry)) counts.set(dep, (counts.get(dep) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** The legacy mirror, all young but the spec most others depend on, which is old. */
export async function mirrorWithOneOldSpec(env: Env) {
  const { bucket, keys, index } = await agedLegacyMirror(env, 5);
  const oldHash = mostDependedOn(index);
  for (const key of keys.filter((k) => hashOf(k) === oldHash)) await env.s3.age(bucket, key, 100);
  return { bucket, index, oldHash };
}

/** The keys a plan deletes, sorted. */
export const deletedKeys = (plan: { decisions: readonly { action: string; key: string }[] }) =>
  plan.decisions
    .filter((d) => d.action === "delete")
    .map((d) => d.key)
    .sort();

export const hashOf = (key: string) =>
  /-([a-z2-7]{32})\.(spack|spec\.json(\.sig)?)$/.exec(key)?.[1];
export const lockOf = (scenario: string) =>
  join(SPACK_FIXTURES, "scenarios-v0.21", scenario, "spack.lock");
