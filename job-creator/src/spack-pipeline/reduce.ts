/**
 * The transitive reduction of a dependency graph: each job keeps only the dependencies that
 * no other of its dependencies already depends on. `needs` on the rest change nothing in
 * GitLab (a job waits for its needs, which waited for theirs) but cost bytes and count
 * against the 50 needs of a job. Jobs come in dependency order (every dependency first).
 */
export function reducedDependencies(deps: readonly (readonly number[])[]): number[][] {
  const words = Math.ceil(deps.length / 32);
  // reach[i]: every job that job i depends on, directly or not, as a bit set.
  const reach = deps.map(() => new Uint32Array(0));
  const reduced: number[][] = [];
  deps.forEach((direct, i) => {
    const below = new Uint32Array(words);
    for (const d of direct) {
      if (d >= i) throw new Error(`dependency ${d} of job ${i} does not come before it`);
      const theirs = reach[d]!;
      for (let w = 0; w < theirs.length; w++) below[w]! |= theirs[w]!;
    }
    // A direct dependency that another one already reaches is redundant.
    reduced.push(direct.filter((d) => (below[d >>> 5]! & (1 << (d & 31))) === 0));
    for (const d of direct) below[d >>> 5]! |= 1 << (d & 31);
    reach[i] = below;
  });
  return reduced;
}
