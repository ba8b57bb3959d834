import { readFile } from "node:fs/promises";
import { load } from "js-yaml";
import { InputError } from "../../common/src/errors.js";
import { isMapping } from "../../common/src/mapping.js";

/** Top-level keys of a pipeline file that are not jobs. */
const GLOBAL_KEYS = new Set([
  "stages",
  "variables",
  "workflow",
  "default",
  "include",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
]);

/** The job names a pipeline file defines. */
export async function readJobNames(file: string): Promise<Set<string>> {
  let doc: unknown;
  try {
    doc = load(await readFile(file, "utf8"));
  } catch (error) {
    throw new InputError([
      { file, message: `cannot read the generated pipeline: ${(error as Error).message}` },
    ]);
  }
  if (!isMapping(doc))
    throw new InputError([{ file, message: "not a pipeline: expected a mapping of jobs" }]);
  return new Set(Object.keys(doc).filter((key) => !GLOBAL_KEYS.has(key) && !key.startsWith(".")));
}
