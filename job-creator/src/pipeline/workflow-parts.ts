/*
 * How the container pipeline of one arch is cut into child files when one file would pass
 * GitLab's limits (jobs per pipeline, bytes per file). A job may only need jobs of its own
 * pipeline, so a container and every container built on it (or that it is built on) stay in
 * one part; parts are filled in the definitions' order.
 */

/** What one group of containers adds to a part. */
export interface PartSize {
  readonly jobs: number;
  readonly bytes: number;
}

/**
 * The groups of containers that must share a part: `basedOn[i]` is the index of the
 * container that container i is built on (or undefined). Each group lists its indices in
 * order; groups are ordered by their first container (pure).
 */
export function baseGroups(basedOn: readonly (number | undefined)[]): number[][] {
  const root = basedOn.map((_, i) => i);
  const find = (i: number): number => {
    while (root[i] !== i) i = root[i] = root[root[i]!]!;
    return i;
  };
  basedOn.forEach((base, i) => {
    if (base !== undefined) root[find(i)] = find(base);
  });
  const groups = new Map<number, number[]>();
  basedOn.forEach((_, i) => {
    const key = find(i);
    const group = groups.get(key) ?? groups.set(key, []).get(key)!;
    group.push(i);
  });
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}

/**
 * Groups packed into parts in order, each part within `budget` where the groups allow: a
 * group larger than the budget by itself is a part of its own (GitLab may refuse that file,
 * and the command says so). Groups of no jobs go nowhere. Returns group indices per part.
 */
export function packParts(sizes: readonly PartSize[], budget: PartSize): number[][] {
  const parts: number[][] = [];
  let current: number[] = [];
  let used = { jobs: 0, bytes: 0 };
  sizes.forEach((size, i) => {
    if (size.jobs === 0) return;
    const fits = used.jobs + size.jobs <= budget.jobs && used.bytes + size.bytes <= budget.bytes;
    if (!fits && current.length > 0) {
      parts.push(current);
      current = [];
      used = { jobs: 0, bytes: 0 };
    }
    current.push(i);
    used = { jobs: used.jobs + size.jobs, bytes: used.bytes + size.bytes };
  });
  if (current.length > 0) parts.push(current);
  return parts;
}
