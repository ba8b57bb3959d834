import { readFile } from "node:fs/promises";
import { dump } from "js-yaml";
import { LineCounter, isNode, parseDocument, type Document } from "yaml";
import { InputError, type Problem } from "./errors.js";

/** A parsed YAML file that can still say on which line a value stands. */
export interface LocatedYaml {
  readonly file: string;
  readonly data: unknown;
  /** Line (1-based) of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Parses YAML text; syntax errors become problems naming `file` and the line. */
export function parseLocatedYaml(text: string, file: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0].line,
        message: `invalid YAML: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  return {
    file,
    data: doc.toJS({ maxAliasCount: -1 }),
    lineOf: (path) => lineOfPath(doc, lineCounter, path),
  };
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

/** Reads and parses a YAML file, reporting an unreadable file as bad input. */
export async function readLocatedYaml(path: string, displayName = path): Promise<LocatedYaml> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputError([
      { file: displayName, message: `cannot read: ${(error as Error).message}` },
    ]);
  }
  return parseLocatedYaml(text, displayName);
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
