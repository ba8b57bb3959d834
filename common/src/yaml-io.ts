import { dump, load } from "js-yaml";
import { LineCounter, isNode, isScalar, parseDocument, visit, type Document } from "yaml";
import { InputError, type Problem } from "./errors.js";
import { isMapping } from "./mapping.js";
import { readRegularFileSync, type SizeLimit } from "./read-file.js";
import { describeFsError } from "./fs-errors.js";

/** A parsed YAML file that can still say on which line a value stands. */
export interface LocatedYaml {
  readonly file: string;
  readonly data: unknown;
  /** Line (1-based) of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/**
 * Aliases a hand-written file may expand: the `yaml` package counts expanded nodes against
 * this, so a few hundred bytes of nested aliases fail at once instead of taking gigabytes.
 */
const MAX_ALIAS_COUNT = 100;

/** Parses YAML text; syntax errors become problems naming `file` and the line. */
export function parseLocatedYaml(text: string, file: string): LocatedYaml {
  const lineCounter = new LineCounter();
  // The package's own duplicate-key check compares every pair of keys; ours is linear.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const problems: Problem[] = doc.errors.map((e) => ({
    file,
    line: e.linePos?.[0].line,
    message:
      e.code === "MULTIPLE_DOCS"
        ? "several YAML documents (a `---` line between them): one is expected"
        : `invalid YAML: ${e.message.split("\n")[0]!.replace(/:\s*$/, "")}`,
  }));
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (!seen.has(key)) seen.add(key);
        else {
          const at = isNode(pair.key) && pair.key.range ? pair.key.range[0] : undefined;
          const line = at === undefined ? undefined : lineCounter.linePos(at).line;
          problems.push({ file, ...(line ? { line } : {}), message: `duplicate key "${key}"` });
        }
      }
    },
  });
  if (problems.length > 0) throw new InputError(problems);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new InputError([
      { file, message: `refused: its aliases expand too far (${(error as Error).message})` },
    ]);
  }
  return { file, data, lineOf: (path) => lineOfPath(doc, lineCounter, path) };
}

function lineOfPath(
  doc: Document,
  counter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    // A missing key has no node: the loop then points at its nearest parent.
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The limit on files people write by hand (configuration, definitions). */
export const HAND_WRITTEN_LIMIT: SizeLimit = {
  maxBytes: 1 << 20,
  setting: "limits.maxDefinitionBytes",
};

/**
 * Reads a text file within a size limit (checked before reading), reporting an unreadable,
 * missing or oversized file as bad input that names the file.
 */
export function readTextFileSync(path: string, displayName: string, limit: SizeLimit): string {
  try {
    return readRegularFileSync(path, displayName, limit).toString("utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      { file: displayName, message: `cannot read: ${describeFsError(error)}` },
    ]);
  }
}

/** Reads and parses a YAML file, reporting an unreadable file as bad input. */
export function readLocatedYamlSync(
  path: string,
  displayName = path,
  limit: SizeLimit = HAND_WRITTEN_LIMIT,
): LocatedYaml {
  return parseLocatedYaml(readTextFileSync(path, displayName, limit), displayName);
}

/** Formats a dotted path the way users write it: `spack.specs[2]`. */
export function dottedPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

/** A problem located at `path` inside a located YAML file. */
export function problemAt(
  doc: LocatedYaml,
  path: readonly (string | number)[],
  message: string,
): Problem {
  return { file: doc.file, line: doc.lineOf(path), path: dottedPath(path), message };
}

/**
 * The one YAML writer: no anchors, no line folding, so output is stable and diffable.
 * js-yaml quotes YAML 1.1 scalars such as `yes`, `on` and dates, which GitLab's Ruby
 * parser (Psych, YAML 1.1) would otherwise read as booleans and dates; the `yaml`
 * package's 1.2 output leaves them bare. It is also several times faster on large pipelines.
 */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}

/**
 * How many nodes a file may expand to through its aliases. Real `spack ci generate` output
 * (v0.20 to v1.0, with v0.22.3+'s anchors) expands to at most 0.07 nodes per byte; this
 * allows 1 per byte, and a 500-byte alias bomb (billions of nodes) fails at once.
 */
export const expansionBound = (bytes: number): number => bytes + 10_000;

/**
 * The number of nodes `value` has once every alias is expanded, counted in time linear in
 * the distinct nodes (js-yaml shares aliased objects; each is counted once and memoised).
 * Stops counting past `limit`.
 */
function expandedNodes(value: unknown, limit: number): number {
  const memo = new Map<object, number>();
  const count = (v: unknown): number => {
    if (v === null || typeof v !== "object") return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    memo.set(v, Infinity); // a cycle (not valid YAML from Spack) counts as too large
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += count(child);
      if (n > limit) break;
    }
    memo.set(v, n);
    return n;
  };
  return count(value);
}

/**
 * Whether `doc`, parsed from `text`, expands through its aliases to more nodes than
 * {@link expansionBound} allows. Without an alias (`*name`) no node is shared, and a text
 * cannot hold more nodes than the bound: the walk over every node (a third of a second at
 * 20,000 jobs) is only needed when the text holds a `*`.
 */
export function expandsTooFar(text: string, doc: unknown): boolean {
  if (!text.includes("*")) return false;
  const bound = expansionBound(text.length);
  return expandedNodes(doc, bound) > bound;
}

/**
 * A pipeline file's text as its top-level mapping, or what is wrong with it: not YAML, an
 * alias bomb (refused before anything walks it), or not a mapping of jobs.
 */
export function loadPipelineDocument(
  text: string,
): { readonly doc: Record<string, unknown> } | { readonly problem: string } {
  let doc: unknown;
  try {
    doc = load(text);
    if (expandsTooFar(text, doc))
      throw new Error("its anchors and aliases expand too far: refused");
  } catch (error) {
    return { problem: `invalid YAML: ${(error as Error).message.split("\n")[0]}` };
  }
  if (!isMapping(doc)) return { problem: "not a pipeline: expected a mapping of jobs" };
  return { doc };
}
