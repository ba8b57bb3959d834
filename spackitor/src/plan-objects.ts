import {
  DAY_MS,
  type CacheSnapshot,
  type ClassifiedObject,
  type Decision,
  type PlanOptions,
  type Reason,
  type SpecState,
} from "./plan.js";
import type { ObjectInfo } from "../../common/src/s3/types.js";

type Verdict = Pick<Decision, "action" | "reason">;

/**
 * Turns the spec decisions into one decision per object, judges the objects no indexed spec
 * owns (orphans, v3 blobs, what an interrupted run left), then applies the rules nothing
 * overrides: a locked hash, a fresh or a young object is never deleted.
 */
export function decideObjects(
  classified: readonly ClassifiedObject[],
  specs: ReadonlyMap<string, SpecState>,
  snapshot: CacheSnapshot,
  options: PlanOptions,
): Decision[] {
  const blobs = blobVerdicts(specs, snapshot);
  const orphan = orphanRule(snapshot, options);
  const now = options.now.getTime();
  const graceCutoff = now - options.minAgeDays * DAY_MS;
  return classified.map(({ object, what }): Decision => {
    const base = { key: object.key, size: object.size, ...(what.hash ? { hash: what.hash } : {}) };
    let verdict: Verdict;
    if (what.hash) {
      const state = specs.get(what.hash);
      verdict = state
        ? { action: state.action, reason: state.reason }
        : orphan(object, "orphan: no spec in the index");
    } else if (what.checksum) {
      verdict = blobs.kept.has(what.checksum)
        ? { action: "keep", reason: "referenced by a kept manifest" }
        : blobs.deleted.has(what.checksum)
          ? { action: "delete", reason: blobs.deleted.get(what.checksum)! }
          : orphan(object, "orphan: blob no manifest references");
    } else verdict = { action: "keep", reason: "mirror metadata" };
    if (verdict.action === "keep") return { ...base, ...verdict };
    // The last word, whatever the rules above said.
    const modified = object.lastModified.getTime();
    if (modified >= now)
      return { ...base, action: "keep", reason: "modified after this run started" };
    if (what.hash && options.locked.has(what.hash))
      return { ...base, action: "keep", reason: "in a lock file" };
    if (modified >= graceCutoff) return { ...base, action: "keep", reason: "younger than min age" };
    return { ...base, ...verdict };
  });
}

/** v3 blobs: kept while any kept spec's manifest or the index manifest names them. */
function blobVerdicts(
  specs: ReadonlyMap<string, SpecState>,
  snapshot: CacheSnapshot,
): { kept: Set<string>; deleted: Map<string, Reason> } {
  const kept = new Set(snapshot.indexBlobs);
  const deleted = new Map<string, Reason>();
  for (const [hash, checksums] of snapshot.manifestBlobs) {
    const state = specs.get(hash);
    for (const checksum of checksums) {
      if (!state || state.action === "keep") kept.add(checksum);
      else deleted.set(checksum, state.reason);
    }
  }
  return { kept, deleted };
}

/**
 * Objects no indexed spec owns. What an interrupted run had decided is finished first (when
 * untouched since); the rest go by age, but never while the index cannot be trusted.
 */
function orphanRule(
  snapshot: CacheSnapshot,
  options: PlanOptions,
): (o: ObjectInfo, reason: Reason) => Verdict {
  const orphans = options.orphans ?? "by-age";
  const cutoff = options.now.getTime() - options.maxAgeDays * DAY_MS;
  const journal = snapshot.journal;
  return (o, reason) => {
    if (snapshot.indexProblems.length > 0)
      return { action: "keep", reason: "orphan kept: the index is unreadable" };
    if (journal?.keys.has(o.key) && o.lastModified.getTime() < journal.written.getTime())
      return { action: "delete", reason: "left by an interrupted run" };
    if (orphans === "none") return { action: "keep", reason: "not selected" };
    if (orphans === "all" || o.lastModified.getTime() < cutoff) return { action: "delete", reason };
    return { action: "keep", reason: "younger than max age" };
  };
}
