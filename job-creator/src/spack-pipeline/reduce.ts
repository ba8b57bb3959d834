/**
 * The transitive reduction of a dependency graph: each job keeps only the dependencies that
 * no other of its dependencies already depends on. `needs` on the rest change nothing in
 * GitLab (a job waits for its needs, which waited for theirs) but cost bytes and count
 * against the 50 needs of a job. Jobs come in dependency order (every dependency first).
 */
export function reducedDependencies(deps: readonly (readonly number[])[]): number[][] {
  // The last job that reads each job's reach: after it, the reach is let go.
  const lastReader = new Int32Array(deps.length).fill(-1);
  deps.forEach((direct, i) => {
    for (const d of direct) {
      if (d >= i) throw new Error(`dependency ${d} of job ${i} does not come before it`);
      lastReader[d] = i;
    }
  });
  // reach[i]: every job that job i depends on, directly or not, as a bit set. It holds jobs
  // before i only, so i bits; and only while a job that depends on i is still to come
  // (at 20,000 jobs, full sets for every job would be 50 MB).
  const reach: (Uint32Array | undefined)[] = [];
  const reduced: number[][] = [];
  deps.forEach((direct, i) => {
    const below = new Uint32Array(Math.ceil(i / 32));
    for (const d of direct) {
      const theirs = reach[d]!;
      for (let w = 0; w < theirs.length; w++) below[w]! |= theirs[w]!;
    }
    // A direct dependency that another one already reaches is redundant.
    reduced.push(direct.filter((d) => (below[d >>> 5]! & (1 << (d & 31))) === 0));
    for (const d of direct) {
      below[d >>> 5]! |= 1 << (d & 31);
      if (lastReader[d] === i) reach[d] = undefined;
    }
    if (lastReader[i]! >= 0) reach[i] = below;
  });
  return reduced;
}
