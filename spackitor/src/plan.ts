import { groupBy } from "../../common/src/group-by.js";
import { classify, type Classified } from "./layout.js";
import { deleteDependents, keepDependencies, protectDependencies } from "./plan-graph.js";
import { decideObjects } from "./plan-objects.js";
import type { IndexEntry } from "../../common/src/spack-cache/index.js";
import type { ObjectInfo } from "../../common/src/s3/types.js";

export type Action = "keep" | "delete";
export type DependentsStrategy = "delete" | "keep";

/** Why an object is kept or deleted: exactly one reason each. */
export type Reason =
  | "in a lock file"
  | "needed by a spec in a lock file"
  | "needed by a recent spec"
  | "modified after this run started"
  | "younger than min age"
  | "younger than max age"
  | "needed by a kept spec"
  | "listed in a signed index"
  | "mirror metadata"
  | "referenced by a kept manifest"
  | "older than max age"
  | "package no longer exists"
  | "depends on a deleted spec"
  | "left by an interrupted run"
  | "orphan: no spec in the index"
  | "orphan: spec without its tarball"
  | "orphan: blob no manifest references"
  | "orphan kept: the index is unreadable"
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

/** What an interrupted run had decided to delete, written before it changed anything. */
export interface Journal {
  readonly written: Date;
  readonly keys: ReadonlySet<string>;
}

/** Everything the plan is decided from: the index (read first), then one listing. */
export interface CacheSnapshot {
  /** Keys relative to the mirror root. */
  readonly objects: readonly ObjectInfo[];
  readonly index: ReadonlyMap<string, IndexEntry>;
  /** v3: blob checksums each spec manifest lists. */
  readonly manifestBlobs: ReadonlyMap<string, readonly string[]>;
  /** v3: blobs the current index manifest points at. */
  readonly indexBlobs: ReadonlySet<string>;
  /** Why the index cannot be trusted to name every spec (missing, unreadable, empty): no orphan is deleted. */
  readonly indexProblems: readonly string[];
  /** A signed index cannot be rewritten by spackitor, so nothing it lists may go. */
  readonly indexSigned: boolean;
  readonly journal?: Journal;
}

export interface PlanOptions {
  readonly maxAgeDays: number;
  /** The grace period: nothing younger is deleted, whatever else the plan says. */
  readonly minAgeDays: number;
  /** When this run started: anything modified since belongs to a concurrent pipeline. */
  readonly now: Date;
  readonly locked: ReadonlySet<string>;
  readonly packageExists?: (name: string) => boolean;
  readonly dependents: DependentsStrategy;
  /**
   * Manual purges: returns the delete reason for a spec to purge, undefined to keep it
   * ("not selected"); replaces the age rule. Locks, fresh and young objects still win.
   */
  readonly select?: (entry: IndexEntry) => Reason | undefined;
  /** Orphans: deleted when older than max age (default), always, or never. */
  readonly orphans?: "by-age" | "all" | "none";
}

export interface Plan {
  readonly decisions: readonly Decision[];
  readonly conflicts: readonly Conflict[];
  /** Hashes of the specs the plan deletes: they leave the index before any object goes. */
  readonly deletedSpecs: ReadonlySet<string>;
  /** Index entries whose binary is not in the cache (left by an older or failed run): dropped from the index. */
  readonly danglingSpecs: ReadonlySet<string>;
}

/** The state of one indexed spec while the plan is decided. */
export interface SpecState {
  action: Action;
  reason: Reason;
  readonly entry: IndexEntry;
  readonly newest: Date;
}

export interface ClassifiedObject {
  readonly object: ObjectInfo;
  readonly what: Classified;
}

export const DAY_MS = 86_400_000;

/** Decides every object of the mirror, before anything is deleted. Pure. */
export function planPrune(snapshot: CacheSnapshot, options: PlanOptions): Plan {
  const classified = snapshot.objects.map((o) => ({ object: o, what: classify(o.key) }));
  const objectsByHash = groupByHash(classified);
  const specs = initialDecisions(snapshot, objectsByHash, options);
  const conflicts = protectDependencies(specs, snapshot.index, options.locked);
  if (options.dependents === "delete") deleteDependents(specs, snapshot.index);
  else keepDependencies(specs, snapshot.index);
  const decisions = decideObjects(classified, specs, snapshot, options);
  const deletedSpecs = new Set([...specs].filter(([, s]) => s.action === "delete").map(([h]) => h));
  const danglingSpecs = new Set<string>();
  for (const [hash, entry] of snapshot.index) {
    const objects = objectsByHash.get(hash) ?? [];
    if (entry.inBuildcache && !objects.some(isBinary) && !deletedSpecs.has(hash))
      danglingSpecs.add(hash);
  }
  return { decisions, conflicts, deletedSpecs, danglingSpecs };
}

/** The object that makes a spec installable: the legacy tarball or the v3 manifest. */
const isBinary = (o: ClassifiedObject) => o.what.kind === "tarball" || o.what.kind === "manifest";

const groupByHash = (classified: readonly ClassifiedObject[]) =>
  groupBy(classified, (item) => item.what.hash || undefined);

function initialDecisions(
  snapshot: CacheSnapshot,
  objectsByHash: ReadonlyMap<string, ClassifiedObject[]>,
  options: PlanOptions,
): Map<string, SpecState> {
  const specs = new Map<string, SpecState>();
  const now = options.now.getTime();
  const cutoff = now - options.maxAgeDays * DAY_MS;
  const graceCutoff = now - options.minAgeDays * DAY_MS;
  for (const [hash, entry] of snapshot.index) {
    const objects = objectsByHash.get(hash);
    // Externals and `in_buildcache: false` entries are not in the cache: never present, never deleted.
    if (!entry.inBuildcache || !objects) continue;
    const newest = new Date(Math.max(...objects.map((o) => o.object.lastModified.getTime())));
    const decide = (action: Action, reason: Reason) =>
      specs.set(hash, { action, reason, entry, newest });
    if (newest.getTime() >= now) decide("keep", "modified after this run started");
    else if (options.locked.has(hash)) decide("keep", "in a lock file");
    // Spack's own pruning keeps a day's grace: a push or index update may be under way.
    else if (newest.getTime() >= graceCutoff) decide("keep", "younger than min age");
    else if (snapshot.indexSigned) decide("keep", "listed in a signed index");
    else if (options.packageExists && !options.packageExists(entry.name))
      decide("delete", "package no longer exists");
    // Spack uploads the tarball before the spec file, so an old spec file alone is no push in progress.
    else if (!objects.some(isBinary) && (options.orphans ?? "by-age") !== "none")
      decide("delete", "orphan: spec without its tarball");
    else if (options.select) {
      const reason = options.select(entry);
      decide(reason ? "delete" : "keep", reason ?? "not selected");
    } else if (newest.getTime() < cutoff) decide("delete", "older than max age");
    else decide("keep", "younger than max age");
  }
  return specs;
}
