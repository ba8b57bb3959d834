import { classify, type Classified } from "./layout.js";
import type { IndexEntry } from "./specs.js";
import type { ObjectInfo } from "../../common/src/s3/types.js";

export type Action = "keep" | "delete";
export type DependentsStrategy = "delete" | "keep";

/** Why an object is kept or deleted: exactly one reason each. */
export type Reason =
  | "in a lock file"
  | "needed by a spec in a lock file"
  | "modified after this run started"
  | "younger than max age"
  | "needed by a kept spec"
  | "mirror metadata"
  | "referenced by a kept manifest"
  | "older than max age"
  | "package no longer exists"
  | "depends on a deleted spec"
  | "orphan: no spec in the index"
  | "orphan: spec without its tarball"
  | "orphan: blob no manifest references"
  | "purged on request"
  | "not selected";

export interface Decision {
  readonly key: string;
  readonly size: number;
  readonly action: Action;
  readonly reason: Reason;
  readonly hash?: string;
}

/** A lock-file spec whose dependency would have been deleted: the dependency is kept. */
export interface Conflict {
  readonly kept: string;
  readonly neededBy: string;
}

/** Everything the plan is decided from, read from one listing and the index. */
export interface CacheSnapshot {
  /** Keys relative to the mirror root. */
  readonly objects: readonly ObjectInfo[];
  readonly index: ReadonlyMap<string, IndexEntry>;
  /** v3: blob checksums each spec manifest lists. */
  readonly manifestBlobs: ReadonlyMap<string, readonly string[]>;
  /** v3: blobs the current index manifest points at. */
  readonly indexBlobs: ReadonlySet<string>;
}

export interface PlanOptions {
  readonly maxAgeDays: number;
  /** When this run started: anything modified since belongs to a concurrent pipeline. */
  readonly now: Date;
  readonly locked: ReadonlySet<string>;
  readonly packageExists?: (name: string) => boolean;
  readonly dependents: DependentsStrategy;
  /**
   * Manual purges: returns the delete reason for a spec to purge, undefined to keep it
   * ("not selected"); replaces the age rule. Locks and fresh objects still win.
   */
  readonly select?: (entry: IndexEntry) => Reason | undefined;
  /** Orphans: deleted when older than max age (default), always, or never. */
  readonly orphans?: "by-age" | "all" | "none";
}

export interface Plan {
  readonly decisions: readonly Decision[];
  readonly conflicts: readonly Conflict[];
  /** Hashes of the specs the plan deletes (for the index rewrite). */
  readonly deletedSpecs: ReadonlySet<string>;
}

interface SpecState {
  action: Action;
  reason: Reason;
  readonly entry: IndexEntry;
  readonly newest: Date;
}

const DAY_MS = 86_400_000;
/** Keep reasons a deleted dependency overrides; locks, fresh pushes and needed specs are never overridden. */
const WEAK_KEEP = new Set<Reason>(["younger than max age", "not selected"]);

/** Decides every object of the mirror, before anything is deleted. Pure. */
export function planPrune(snapshot: CacheSnapshot, options: PlanOptions): Plan {
  const classified = snapshot.objects.map((o) => ({ object: o, what: classify(o.key) }));
  const objectsByHash = groupByHash(classified);
  const specs = initialDecisions(snapshot.index, objectsByHash, options);
  const conflicts = protectDependencies(specs, snapshot.index, options);
  if (options.dependents === "delete") deleteDependents(specs, snapshot.index);
  else keepDependencies(specs, snapshot.index);
  const decisions = decideObjects(classified, specs, snapshot, options);
  const deletedSpecs = new Set([...specs].filter(([, s]) => s.action === "delete").map(([h]) => h));
  return { decisions, conflicts, deletedSpecs };
}

function groupByHash(
  classified: readonly { object: ObjectInfo; what: Classified }[],
): Map<string, { object: ObjectInfo; what: Classified }[]> {
  const byHash = new Map<string, { object: ObjectInfo; what: Classified }[]>();
  for (const item of classified) {
    if (!item.what.hash) continue;
    const list = byHash.get(item.what.hash);
    if (list) list.push(item);
    else byHash.set(item.what.hash, [item]);
  }
  return byHash;
}

function initialDecisions(
  index: ReadonlyMap<string, IndexEntry>,
  objectsByHash: ReadonlyMap<string, { object: ObjectInfo; what: Classified }[]>,
  options: PlanOptions,
): Map<string, SpecState> {
  const specs = new Map<string, SpecState>();
  const cutoff = options.now.getTime() - options.maxAgeDays * DAY_MS;
  for (const [hash, entry] of index) {
    const objects = objectsByHash.get(hash);
    // Externals and `in_buildcache: false` entries are not in the cache: never present, never deleted.
    if (!entry.inBuildcache || !objects) continue;
    const newest = new Date(Math.max(...objects.map((o) => o.object.lastModified.getTime())));
    const complete = objects.some((o) => o.what.kind === "tarball" || o.what.kind === "manifest");
    const decide = (action: Action, reason: Reason) =>
      specs.set(hash, { action, reason, entry, newest });
    if (newest.getTime() >= options.now.getTime())
      decide("keep", "modified after this run started");
    else if (options.locked.has(hash)) decide("keep", "in a lock file");
    else if (options.packageExists && !options.packageExists(entry.name))
      decide("delete", "package no longer exists");
    // Spack uploads the tarball before the spec file, so a spec file alone is no push in progress.
    else if (!complete && (options.orphans ?? "by-age") !== "none")
      decide("delete", "orphan: spec without its tarball");
    else if (options.select) {
      const reason = options.select(entry);
      decide(reason ? "delete" : "keep", reason ?? "not selected");
    } else if (newest.getTime() < cutoff) decide("delete", "older than max age");
    else decide("keep", "younger than max age");
  }
  return specs;
}

/** Keeps every dependency of a spec that is kept because a lock file or a running pipeline needs it. */
function protectDependencies(
  specs: Map<string, SpecState>,
  index: ReadonlyMap<string, IndexEntry>,
  options: PlanOptions,
): Conflict[] {
  const conflicts: Conflict[] = [];
  const roots = [...specs]
    .filter(
      ([, s]) => s.reason === "in a lock file" || s.reason === "modified after this run started",
    )
    .map(([h]) => h);
  // Lock files list their whole DAG, but a lock's spec may also be absent from the cache.
  for (const hash of options.locked) if (!specs.has(hash) && index.has(hash)) roots.push(hash);
  const seen = new Set<string>();
  const stack = roots.map((hash) => ({ hash, root: hash }));
  while (stack.length > 0) {
    const { hash, root } = stack.pop()!;
    for (const dep of index.get(hash)?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      const state = specs.get(dep);
      if (state?.action === "delete") {
        conflicts.push({ kept: dep, neededBy: root });
        state.action = "keep";
        state.reason = "needed by a spec in a lock file";
      }
      stack.push({ hash: dep, root });
    }
  }
  return conflicts;
}

/** The original's strategy: every spec depending on a deleted one goes too, in one pass over the reverse graph. */
function deleteDependents(
  specs: Map<string, SpecState>,
  index: ReadonlyMap<string, IndexEntry>,
): void {
  const dependents = new Map<string, string[]>();
  for (const [hash, entry] of index) {
    for (const dep of entry.dependencies) {
      const list = dependents.get(dep);
      if (list) list.push(hash);
      else dependents.set(dep, [hash]);
    }
  }
  const queue = [...specs].filter(([, s]) => s.action === "delete").map(([h]) => h);
  while (queue.length > 0) {
    for (const parent of dependents.get(queue.pop()!) ?? []) {
      const state = specs.get(parent);
      if (!state || state.action === "delete" || !WEAK_KEEP.has(state.reason)) continue;
      state.action = "delete";
      state.reason = "depends on a deleted spec";
      queue.push(parent);
    }
  }
}

/** The conservative strategy: a spec any kept spec depends on stays, so no kept binary loses a dependency. */
function keepDependencies(
  specs: Map<string, SpecState>,
  index: ReadonlyMap<string, IndexEntry>,
): void {
  const stack = [...specs].filter(([, s]) => s.action === "keep").map(([h]) => h);
  const seen = new Set(stack);
  while (stack.length > 0) {
    for (const dep of index.get(stack.pop()!)?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      const state = specs.get(dep);
      if (state?.action === "delete") {
        state.action = "keep";
        state.reason = "needed by a kept spec";
      }
      stack.push(dep);
    }
  }
}

function decideObjects(
  classified: readonly { object: ObjectInfo; what: Classified }[],
  specs: ReadonlyMap<string, SpecState>,
  snapshot: CacheSnapshot,
  options: PlanOptions,
): Decision[] {
  const cutoff = options.now.getTime() - options.maxAgeDays * DAY_MS;
  const keptBlobs = new Set(snapshot.indexBlobs);
  const deletedBlobReason = new Map<string, Reason>();
  for (const [hash, blobs] of snapshot.manifestBlobs) {
    const state = specs.get(hash);
    for (const blob of blobs) {
      if (!state || state.action === "keep") keptBlobs.add(blob);
      else deletedBlobReason.set(blob, state.reason);
    }
  }
  const orphans = options.orphans ?? "by-age";
  const orphan = (o: ObjectInfo, reason: Reason): Pick<Decision, "action" | "reason"> =>
    o.lastModified.getTime() >= options.now.getTime()
      ? { action: "keep", reason: "modified after this run started" }
      : orphans === "none"
        ? { action: "keep", reason: "not selected" }
        : orphans === "all" || o.lastModified.getTime() < cutoff
          ? { action: "delete", reason }
          : { action: "keep", reason: "younger than max age" };
  return classified.map(({ object, what }): Decision => {
    const base = { key: object.key, size: object.size };
    if (what.hash) {
      const state = specs.get(what.hash);
      if (state) return { ...base, hash: what.hash, action: state.action, reason: state.reason };
      return { ...base, hash: what.hash, ...orphan(object, "orphan: no spec in the index") };
    }
    if (what.checksum) {
      if (keptBlobs.has(what.checksum))
        return { ...base, action: "keep", reason: "referenced by a kept manifest" };
      const reason = deletedBlobReason.get(what.checksum);
      if (reason) return { ...base, action: "delete", reason };
      return { ...base, ...orphan(object, "orphan: blob no manifest references") };
    }
    return { ...base, action: "keep", reason: "mirror metadata" };
  });
}
