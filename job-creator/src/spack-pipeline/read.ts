import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { InputError, throwIfProblems, type Problem } from "../../../common/src/errors.js";
import { expandsTooFar, expansionBound, readTextFileSync } from "../../../common/src/yaml-io.js";
import type { SizeLimit } from "../../../common/src/read-file.js";
import { parseSpackOutput, topLevelKeyLines } from "./parse.js";
import type { SpackOutput } from "./types.js";
import { readEach, type ParallelReading } from "./read-parallel.js";

const PIPELINE_FILE = /\.ya?ml$/;

/** The pipeline files below `dir`: directly in it, or one folder deep (`<container>/pipeline.yml`). */
export async function listSpackOutputs(
  dir: string,
): Promise<{ path: string; container: string }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new InputError([
      {
        file: dir,
        message: `cannot read the folder of spack outputs: ${(error as Error).message}`,
      },
    ]);
  }
  const files: { path: string; container: string }[] = [];
  for (const entry of entries) {
    if (entry.isFile() && PIPELINE_FILE.test(entry.name)) {
      files.push({ path: join(dir, entry.name), container: entry.name.replace(PIPELINE_FILE, "") });
    } else if (entry.isDirectory()) {
      for (const inner of await readdir(join(dir, entry.name), { withFileTypes: true })) {
        if (inner.isFile() && PIPELINE_FILE.test(inner.name))
          files.push({ path: join(dir, entry.name, inner.name), container: entry.name });
      }
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One Spack output read and parsed, or what is wrong with it. */
export interface ReadResult {
  readonly output?: SpackOutput;
  readonly problems: readonly Problem[];
}

/**
 * Reads and parses every spack output below `dir`, handing each to `onOutput` in file order
 * so that a file's text and unused jobs can go before the next is read. Large inputs are
 * parsed on worker threads (read-parallel.ts); the outputs and problems are the same.
 * Once a file has a problem no further output is handed on, but every file is still read
 * so that all problems are reported together.
 */
export async function readSpackOutputs(
  dir: string,
  limit: SizeLimit,
  onOutput: (output: SpackOutput) => void,
  parallel: ParallelReading = {},
): Promise<void> {
  const problems: Problem[] = [];
  let outputs = 0;
  for await (const result of readEach(await listSpackOutputs(dir), limit, parallel)) {
    problems.push(...result.problems);
    if (result.output && problems.length === 0) {
      onOutput(result.output);
      outputs++;
    }
  }
  if (outputs === 0 && problems.length === 0) {
    problems.push({
      file: dir,
      message: "no spack outputs (*.yml, *.yaml) found here or one folder below",
    });
  }
  throwIfProblems(problems);
}

/**
 * One spack output: js-yaml resolves spack's anchors and aliases without a count limit
 * (the `yaml` package's default of 100 rejects large pipelines); aliased nodes are shared
 * objects, so nothing here changes a job in place.
 */
export function readSpackOutput(path: string, container: string, limit: SizeLimit): ReadResult {
  const file = path;
  let doc: unknown;
  let lines: Map<string, number>;
  try {
    const text = readTextFileSync(path, file, limit);
    lines = topLevelKeyLines(text);
    doc = load(text, { filename: file });
    if (expandsTooFar(text, doc))
      return {
        problems: [
          {
            file,
            message: `refused: its anchors and aliases expand to over ${expansionBound(text.length)} nodes (real Spack output stays under 0.1 per byte)`,
          },
        ],
      };
  } catch (error) {
    if (error instanceof InputError) return { problems: error.problems };
    const mark = (error as { mark?: { line?: number } }).mark;
    return {
      problems: [
        {
          file,
          ...(mark?.line !== undefined ? { line: mark.line + 1 } : {}),
          message: `cannot read: ${(error as { reason?: string }).reason ?? (error as Error).message}`,
        },
      ],
    };
  }
  const problems: Problem[] = [];
  const output = parseSpackOutput(doc, file, container, problems, lines);
  return output ? { output, problems } : { problems };
}
