import { likelyMeant } from "../../../common/src/near-miss.js";
import { InputError } from "../../../common/src/errors.js";
import { basesNeeded } from "./bases.js";
import { isWholeChain, stageRangeFrom, type StageRange } from "./stage-range.js";
import type { ArchitectureDefinitions, ContainerDefinition } from "./types.js";

/**
 * What one run builds: all containers of all architectures (a scheduled pipeline), or the
 * ones named (`--only`, `--arch`, or the same as CI variables from GitLab's "Run pipeline"
 * form), some of them rebuilt even when current (`--force`).
 */
export interface Selection {
  /** Container names to build; undefined: all. */
  readonly only?: readonly string[];
  /** Architectures to build on; undefined: all configured. */
  readonly arches?: readonly string[];
  /** Containers rebuilt even when current: all, or these names. */
  readonly force: "all" | readonly string[];
  /** Forced Spack containers also rebuild their packages instead of taking them from the cache. */
  readonly rebuildPackages: boolean;
  /** The part of the chain the run generates (`--from`, `--to`); undefined: all of it. */
  readonly stages?: StageRange;
}

export const EVERYTHING: Selection = { force: [], rebuildPackages: false };

/** The flags (or their CI variables) as commander gives them. */
export interface SelectionFlags {
  only?: string;
  arch?: string;
  force?: string | boolean;
  rebuildPackages?: boolean;
  from?: string;
  to?: string;
}

/** Names in a flag or variable: separated by commas or spaces; an empty value names none. */
const names = (value: string | undefined): string[] | undefined => {
  const list = (value ?? "").split(/[\s,]+/).filter(Boolean);
  return list.length > 0 ? [...new Set(list)] : undefined;
};

const TRUE = /^(1|true|yes)$/i;

/** The selection the flags give; SPACKTAINERS_REBUILD_PACKAGES counts when the flag is absent. */
export function selectionFrom(flags: SelectionFlags, env: NodeJS.ProcessEnv = {}): Selection {
  const only = names(flags.only);
  const arches = names(flags.arch);
  const forced =
    flags.force === true || (typeof flags.force === "string" && /^(all|\*)$/i.test(flags.force))
      ? "all"
      : (names(typeof flags.force === "string" ? flags.force : undefined) ?? []);
  const stages = stageRangeFrom(flags.from, flags.to);
  return {
    ...(only ? { only } : {}),
    ...(arches ? { arches } : {}),
    ...(isWholeChain(stages) ? {} : { stages }),
    force: forced,
    rebuildPackages: flags.rebuildPackages ?? TRUE.test(env["SPACKTAINERS_REBUILD_PACKAGES"] ?? ""),
  };
}

export const isForced = (selection: Selection, name: string): boolean =>
  selection.force === "all" || selection.force.includes(name);

/** What a selection keeps of the definitions, and what it left out and why. */
export interface SelectedDefinitions {
  readonly architectures: readonly ArchitectureDefinitions[];
  /** One line per left-out architecture or container (or one kept as a base), for the plan. */
  readonly leftOut: readonly string[];
  /** Architectures built with some of their containers left out. */
  readonly partial: ReadonlySet<string>;
}

/**
 * Keeps the selected architectures and containers (pure). A name that matches nothing is
 * an error listing what there is: a typo must not quietly build nothing.
 */
export function selectDefinitions(
  all: readonly ArchitectureDefinitions[],
  selection: Selection,
): SelectedDefinitions {
  const known = all.map((a) => a.arch);
  const problems = unknown("--arch", selection.arches, known, "configured architectures");
  const arches = all.filter((a) => !selection.arches || selection.arches.includes(a.arch));
  const inArches = [...new Set(arches.flatMap((a) => a.containers.map((c) => c.name)))].sort();
  const where = selection.arches ? ` on ${selection.arches.join(", ")}` : "";
  problems.push(...unknown("--only", selection.only, inArches, `containers${where}`));
  const selectable = selection.only ?? inArches;
  if (selection.force !== "all")
    problems.push(...unknown("--force", selection.force, selectable, "selected containers"));
  if (selection.rebuildPackages && selection.force.length === 0)
    problems.push(
      "--rebuild-packages: give --force too (it rebuilds the forced containers' packages)",
    );
  if (problems.length > 0) throw new InputError(problems.join("\n"));

  const leftOut: string[] = [];
  const partial = new Set<string>();
  const architectures = all.flatMap((definitions) => {
    if (!arches.includes(definitions)) {
      leftOut.push(`${definitions.arch}: left out (not in --arch ${selection.arches!.join(",")})`);
      return [];
    }
    const named = definitions.containers.filter((c) => isSelected(selection, c));
    // What the named containers build on comes too (built only where it is not current).
    const bases = basesNeeded(definitions.containers, new Set(named.map((c) => c.name)));
    for (const [base, dependant] of bases)
      leftOut.push(`${definitions.arch}/${base}: kept (${dependant} builds on it)`);
    const kept = definitions.containers.filter(
      (c) => isSelected(selection, c) || bases.has(c.name),
    );
    if (kept.length === 0 && definitions.containers.length > 0) {
      leftOut.push(`${definitions.arch}: left out (none of its containers is in --only)`);
      return [];
    }
    for (const c of definitions.containers)
      if (!kept.includes(c)) leftOut.push(`${c.arch}/${c.name}: left out (not in --only)`);
    if (kept.length < definitions.containers.length) partial.add(definitions.arch);
    return [{ ...definitions, containers: kept }];
  });
  return { architectures, leftOut, partial };
}

const isSelected = (selection: Selection, container: ContainerDefinition) =>
  !selection.only || selection.only.includes(container.name);

function unknown(
  flag: string,
  given: readonly string[] | undefined,
  known: readonly string[],
  what: string,
): string[] {
  return (given ?? [])
    .filter((name) => !known.includes(name))
    .map((name) => {
      const near = likelyMeant(name, known);
      const hint = near ? ` (did you mean ${near}?)` : "";
      return `${flag}: no ${name} among the ${what}${hint}; known: ${known.join(", ") || "none"}`;
    });
}
