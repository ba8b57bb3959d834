import { isDeepStrictEqual as isEqual } from "node:util";
import type { Problem } from "../../../common/src/errors.js";
import { dottedPath } from "../../../common/src/yaml-io.js";
import { isMapping } from "../../../common/src/mapping.js";

/** Where a merge conflict stands: the definition's key path and what the template holds. */
export interface MergeConflict {
  readonly path: readonly (string | number)[];
  readonly template: unknown;
  readonly definition: unknown;
}

/**
 * Merges a definition's Spack environment into the template's, the way Spack combines
 * configuration scopes: mappings merge key by key, lists concatenate (without repeats),
 * and a key written `name::` in the definition replaces the template's `name`.
 * Two different scalars at one path are a conflict, never silently resolved.
 */
export function mergeEnvironments(
  template: Readonly<Record<string, unknown>>,
  definition: Readonly<Record<string, unknown>>,
): { merged: Record<string, unknown>; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const merged = mergeMappings(template, definition, [], conflicts);
  return { merged, conflicts };
}

function mergeMappings(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
  path: (string | number)[],
  conflicts: MergeConflict[],
): Record<string, unknown> {
  const result: Record<string, unknown> = structuredClone({ ...base });
  for (const [key, value] of Object.entries(over)) {
    if (key.endsWith("::")) {
      // Spack's `key::` replaces `key` instead of merging into it.
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the key is the data
      delete result[key.slice(0, -2)];
      result[key] = structuredClone(value);
      continue;
    }
    const replaced = `${key}::` in result;
    const existing = replaced ? result[`${key}::`] : result[key];
    result[replaced ? `${key}::` : key] =
      existing === undefined
        ? structuredClone(value)
        : mergeValues(existing, value, [...path, key], conflicts);
  }
  return result;
}

function mergeValues(
  base: unknown,
  over: unknown,
  path: (string | number)[],
  conflicts: MergeConflict[],
): unknown {
  if (isMapping(base) && isMapping(over)) return mergeMappings(base, over, path, conflicts);
  if (Array.isArray(base) && Array.isArray(over)) {
    // Spack gives an earlier `include:` entry precedence over a later one: the
    // definition's includes go first, so that they win over the template's as its keys do.
    const include = isIncludeList(path);
    const first: unknown[] = include ? over : base;
    const second: unknown[] = include ? base : over;
    const added = second.filter((item) => !first.some((b) => isEqual(b, item)));
    return [...first, ...added].map((v: unknown) => structuredClone(v));
  }
  if (!isEqual(base, over)) conflicts.push({ path, template: base, definition: over });
  return base;
}

const isIncludeList = (path: readonly (string | number)[]) =>
  path.length === 1 && (path[0] === "include" || path[0] === "include::");

/** Describes a merge conflict as a problem of the definition file. */
export function conflictProblem(
  file: string,
  templateFile: string,
  conflict: MergeConflict,
  line?: number,
): Problem {
  return {
    file,
    line,
    path: dottedPath(["spack", ...conflict.path]),
    message: `conflicts with ${templateFile} (template: ${JSON.stringify(conflict.template)}, here: ${JSON.stringify(conflict.definition)}); write the key as "${String(conflict.path.at(-1))}::" to replace the template's value, or remove it`,
  };
}
