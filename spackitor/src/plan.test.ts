import { describe, expect, it } from "vitest";
import { planPrune, type CacheSnapshot, type PlanOptions, type Reason } from "./plan.js";
import type { IndexEntry } from "../../common/src/spack-cache/index.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const hash = (c: string) => c.repeat(32);

/** A tiny legacy mirror: each spec `c` has a tarball and a spec file of the given ages. */
interface SpecFixture {
  readonly c: string;
  readonly age: number;
  readonly specAge?: number;
  readonly tarball?: boolean;
  readonly indexed?: boolean;
  readonly deps?: readonly string[];
}

const tarballKey = (c: string) => `build_cache/linux/gcc/p${c}/p${c}-1-${hash(c)}.spack`;
const specKey = (c: string) => `build_cache/linux-p${c}-1-${hash(c)}.spec.json`;

function snapshot(
  specs: readonly SpecFixture[],
  extra: Partial<CacheSnapshot> = {},
): CacheSnapshot {
  const objects = specs.flatMap((s) => [
    { key: specKey(s.c), size: 1, lastModified: daysAgo(s.specAge ?? s.age) },
    ...(s.tarball === false
      ? []
      : [{ key: tarballKey(s.c), size: 10, lastModified: daysAgo(s.age) }]),
  ]);
  const index = new Map<string, IndexEntry>(
    specs
      .filter((s) => s.indexed !== false)
      .map((s) => [
        hash(s.c),
        {
          hash: hash(s.c),
          name: `p${s.c}`,
          version: "1",
          dependencies: (s.deps ?? []).map(hash),
          external: false,
          inBuildcache: true,
        },
      ]),
  );
  return {
    objects: [{ key: "build_cache/index.json", size: 1, lastModified: daysAgo(0) }, ...objects],
    index,
    manifestBlobs: new Map(),
    indexBlobs: new Set(),
    indexProblems: [],
    indexSigned: false,
    ...extra,
  };
}

const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  maxAgeDays: 30,
  minAgeDays: 1,
  now: NOW,
  locked: new Set(),
  dependents: "delete",
  ...overrides,
});

/** The reason of every object of spec `c` (all its objects must agree). */
function verdicts(snap: CacheSnapshot, opts: PlanOptions): Record<string, string> {
  const plan = planPrune(snap, opts);
  const out: Record<string, string> = {};
  for (const d of plan.decisions) {
    if (!d.hash) continue;
    const c = d.hash[0]!;
    const v = `${d.action}: ${d.reason}`;
    out[c] = out[c] && out[c] !== v ? `${out[c]} | ${v}` : v;
  }
  return out;
}

const cases: {
  name: string;
  specs: SpecFixture[];
  snap?: Partial<CacheSnapshot>;
  opts?: Partial<PlanOptions>;
  expected: Record<string, `${"keep" | "delete"}: ${Reason}`>;
}[] = [
  {
    name: "old goes, young stays",
    specs: [
      { c: "a", age: 100 },
      { c: "b", age: 5 },
    ],
    expected: { a: "delete: older than max age", b: "keep: younger than max age" },
  },
  {
    name: "a lock keeps an old spec and its dependency",
    specs: [
      { c: "a", age: 100, deps: ["b"] },
      { c: "b", age: 100 },
    ],
    opts: { locked: new Set([hash("a")]) },
    expected: { a: "keep: in a lock file", b: "keep: needed by a spec in a lock file" },
  },
  {
    name: "a young spec file without its tarball is a push in flight",
    specs: [{ c: "a", age: 0.1, tarball: false }],
    expected: { a: "keep: younger than min age" },
  },
  {
    name: "an old spec file without its tarball goes",
    specs: [{ c: "a", age: 3, tarball: false }],
    expected: { a: "delete: orphan: spec without its tarball" },
  },
  {
    name: "the grace period protects a young spec's old dependency from the dependents rule",
    specs: [
      { c: "a", age: 0.5, specAge: 0.5, deps: ["b"] },
      { c: "b", age: 100 },
    ],
    expected: { a: "keep: younger than min age", b: "keep: needed by a recent spec" },
  },
  {
    name: "a spec depending on an old one goes with it (dependents: delete)",
    specs: [
      { c: "a", age: 5, deps: ["b"] },
      { c: "b", age: 100 },
    ],
    expected: { a: "delete: depends on a deleted spec", b: "delete: older than max age" },
  },
  {
    name: "dependents: keep keeps the old dependency instead",
    specs: [
      { c: "a", age: 5, deps: ["b"] },
      { c: "b", age: 100 },
    ],
    opts: { dependents: "keep" },
    expected: { a: "keep: younger than max age", b: "keep: needed by a kept spec" },
  },
  {
    name: "an object modified after the run started is never touched",
    specs: [{ c: "a", age: -0.01 }],
    opts: { orphans: "all" },
    expected: { a: "keep: modified after this run started" },
  },
  {
    name: "an orphan a lock file uses is kept, even by purge-orphans",
    specs: [
      { c: "a", age: 100, indexed: false },
      { c: "b", age: 100, indexed: false },
    ],
    opts: { locked: new Set([hash("a")]), orphans: "all" },
    expected: { a: "keep: in a lock file", b: "delete: orphan: no spec in the index" },
  },
  {
    name: "an unreadable index: no orphan goes",
    specs: [{ c: "a", age: 100, indexed: false }],
    snap: { indexProblems: ["build_cache/index.json is missing"] },
    opts: { orphans: "all" },
    expected: { a: "keep: orphan kept: the index is unreadable" },
  },
  {
    name: "a signed index keeps what it lists",
    specs: [{ c: "a", age: 100 }],
    snap: { indexSigned: true },
    expected: { a: "keep: listed in a signed index" },
  },
  {
    name: "what an interrupted run doomed goes now, though young for max age",
    specs: [
      { c: "a", age: 5, indexed: false },
      { c: "b", age: 5, indexed: false },
    ],
    snap: { journal: { written: daysAgo(2), keys: new Set([specKey("a"), tarballKey("a")]) } },
    expected: { a: "delete: left by an interrupted run", b: "keep: younger than max age" },
  },
  {
    name: "a journaled object pushed again since is judged afresh",
    specs: [{ c: "a", age: 3, indexed: false }],
    snap: { journal: { written: daysAgo(4), keys: new Set([specKey("a"), tarballKey("a")]) } },
    expected: { a: "keep: younger than max age" },
  },
  {
    name: "a purge of a young spec waits for the grace period",
    specs: [{ c: "a", age: 0.2 }],
    opts: { maxAgeDays: 0, orphans: "none", select: () => "purged on request" },
    expected: { a: "keep: younger than min age" },
  },
];

describe("planPrune", () => {
  it.each(cases)("$name", ({ specs, snap, opts, expected }) => {
    expect(verdicts(snapshot(specs, snap), options(opts))).toEqual(expected);
  });

  it("names index entries without their binary, so the index drops them", () => {
    const snap = snapshot([
      { c: "a", age: 0.5, tarball: false },
      { c: "b", age: 5 },
    ]);
    const withGhost = {
      ...snap,
      index: new Map([
        ...snap.index,
        [hash("c"), { ...snap.index.get(hash("b"))!, hash: hash("c"), name: "pc" }],
      ]),
    };
    const plan = planPrune(withGhost, options({ minAgeDays: 1 }));
    expect([...plan.danglingSpecs].sort()).toEqual([hash("a"), hash("c")]);
    expect(plan.deletedSpecs.size).toBe(0);
  });
});
