import type { Conflict, Reason, SpecState } from "./plan.js";
import type { IndexEntry } from "../../common/src/spack-cache/index.js";

/** Keep reasons a deleted dependency overrides; locks, fresh, young and needed specs are never overridden. */
const WEAK_KEEP = new Set<Reason>(["younger than max age", "not selected"]);

/** Kept for a reason that a dependency's deletion must not break. */
const PROTECTED = new Set<Reason>([
  "in a lock file",
  "modified after this run started",
  "younger than min age",
  "listed in a signed index",
]);

/**
 * Keeps every dependency of a spec that is kept because a lock file, a running pipeline or
 * the grace period protects it; reports the lock files' specs that needed a deleted one.
 */
export function protectDependencies(
  specs: Map<string, SpecState>,
  index: ReadonlyMap<string, IndexEntry>,
  locked: ReadonlySet<string>,
): Conflict[] {
  const conflicts: Conflict[] = [];
  const roots = [...specs].filter(([, s]) => PROTECTED.has(s.reason)).map(([h]) => h);
  // Lock files list their whole DAG, but a lock's spec may also be absent from the cache.
  for (const hash of locked) if (!specs.has(hash) && index.has(hash)) roots.push(hash);
  const seen = new Set<string>();
  const stack = roots.map((hash) => ({ hash, root: hash }));
  while (stack.length > 0) {
    const { hash, root } = stack.pop()!;
    for (const dep of index.get(hash)?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      const state = specs.get(dep);
      if (state?.action === "delete") {
        const byLock = locked.has(root);
        if (byLock) conflicts.push({ kept: dep, neededBy: root });
        state.action = "keep";
        state.reason = byLock ? "needed by a spec in a lock file" : "needed by a recent spec";
      }
      stack.push({ hash: dep, root });
    }
  }
  return conflicts;
}

/** The original's strategy: every spec depending on a deleted one goes too, in one pass over the reverse graph. */
export function deleteDependents(
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
export function keepDependencies(
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
