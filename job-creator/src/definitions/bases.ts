import type { Problem } from "../../../common/src/errors.js";
import { baseOf, type ContainerDefinition } from "./types.js";

/*
 * Containers built on other containers of the same architecture: the base must be one of
 * its Spack containers (a `.def` container makes a SIF file, no image to start from), and
 * the edges must not close a cycle. Pure.
 */

/** Every problem of the bases of one architecture's containers, each at the line naming it. */
export function baseProblems(containers: readonly ContainerDefinition[]): Problem[] {
  const byName = new Map(containers.map((c) => [c.name, c]));
  const spackNames = containers.filter((c) => c.kind === "spack").map((c) => c.name);
  const problems: Problem[] = [];
  for (const container of containers) {
    const base = baseOf(container);
    if (!base) continue;
    const at = { file: container.definitionFile, line: base.line };
    const found = byName.get(base.container);
    if (!found)
      problems.push({
        ...at,
        message: `no container "${base.container}" to build on in ${container.arch}; its Spack containers: ${spackNames.join(", ") || "none"}`,
      });
    else if (found.kind !== "spack")
      problems.push({
        ...at,
        message: `"${base.container}" is a .def container, which makes a SIF file and no image: build on a Spack container (${spackNames.join(", ") || "none"})`,
      });
  }
  if (problems.length === 0) problems.push(...cycleProblems(containers, byName));
  return problems;
}

/** One problem per cycle, naming each of its edges with file and line. */
function cycleProblems(
  containers: readonly ContainerDefinition[],
  byName: ReadonlyMap<string, ContainerDefinition>,
): Problem[] {
  const problems: Problem[] = [];
  const done = new Set<string>();
  for (const start of containers) {
    const path: ContainerDefinition[] = [];
    let current: ContainerDefinition | undefined = start;
    while (current && !done.has(current.name) && !path.includes(current)) {
      path.push(current);
      const base = baseOf(current);
      current = base && byName.get(base.container);
    }
    if (current && path.includes(current)) {
      const cycle = path.slice(path.indexOf(current));
      const edges = cycle.map((c) => {
        const base = baseOf(c)!;
        return `${c.name} on ${base.container} (${c.definitionFile}${base.line ? `:${base.line}` : ""})`;
      });
      problems.push({
        file: current.definitionFile,
        ...(baseOf(current)!.line ? { line: baseOf(current)!.line } : {}),
        message: `containers build on each other in a cycle: ${edges.join(", ")}; one of them must start from a base image instead`,
      });
    }
    for (const c of path) done.add(c.name);
  }
  return problems;
}

/**
 * The containers in an order where each comes after the one it builds on (stable: the
 * order given otherwise). The bases were checked: no cycle, none missing.
 */
export function basesFirst<T extends ContainerDefinition>(containers: readonly T[]): T[] {
  const byName = new Map(containers.map((c) => [c.name, c]));
  const ordered: T[] = [];
  const placed = new Set<string>();
  const place = (c: T) => {
    if (placed.has(c.name)) return;
    placed.add(c.name);
    const base = baseOf(c);
    const found = base && byName.get(base.container);
    if (found) place(found);
    ordered.push(c);
  };
  containers.forEach(place);
  return ordered;
}

/** The containers `names` builds on, transitively, that are not among them. */
export function basesNeeded(
  containers: readonly ContainerDefinition[],
  names: ReadonlySet<string>,
): Map<string, string> {
  const byName = new Map(containers.map((c) => [c.name, c]));
  const added = new Map<string, string>();
  for (const name of names) {
    let current = byName.get(name);
    for (let base = current && baseOf(current); base; base = current && baseOf(current)) {
      if (names.has(base.container) || added.has(base.container)) break;
      added.set(base.container, current!.name);
      current = byName.get(base.container);
    }
  }
  return added;
}
