import { load } from "js-yaml";
import { InputError } from "../../common/src/errors.js";
import { GENERATED_LIMIT, readRegularFileSync } from "../../common/src/read-file.js";
import { isJobKey } from "../../common/src/ci/types.js";
import { isMapping } from "../../common/src/mapping.js";

/** The job names a pipeline file defines. */
export function readJobNames(file: string): Set<string> {
  let doc: unknown;
  try {
    doc = load(readRegularFileSync(file, file, GENERATED_LIMIT).toString("utf8"));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      { file, message: `cannot read the generated pipeline: ${(error as Error).message}` },
    ]);
  }
  if (!isMapping(doc))
    throw new InputError([{ file, message: "not a pipeline: expected a mapping of jobs" }]);
  return new Set(Object.keys(doc).filter(isJobKey));
}
