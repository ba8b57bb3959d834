import { hasControls } from "../../../common/src/control-characters.js";
import { InputError } from "../../../common/src/errors.js";
import { isSpacktainerPipelineFile } from "../../../common/src/job-names.js";

/**
 * Container names become image repository names, file names and parts of job names and
 * shell words, so they are held to Docker's repository-component rules: lower-case
 * letters and digits, separated by `.`, `_` or dashes. No shell metacharacters, no path
 * separators, and no `__`, which separates a name from its tag in SIF files and tags (a
 * container `a__b` would own the files of `a`).
 */
const CONTAINER_NAME = /^[a-z0-9]+(?:(?:[._]|-+)[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 64;

/**
 * Why `name` cannot be a container name, or undefined when it can; `fix` says what to do
 * (a name read from a file or folder name: rename it).
 */
export function containerNameProblem(
  name: string,
  fix = " (rename the file or folder)",
): string | undefined {
  if (name.length > MAX_NAME_LENGTH)
    return `container name "${name}" is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.includes("__"))
    return `"${name}" is not a safe container name: "__" separates a name from its tag in SIF files and image tags; use one "_"${fix}`;
  if (!CONTAINER_NAME.test(name)) {
    return `"${name}" is not a safe container name: use lower-case letters and digits separated by ".", "_" or "-"${fix}`;
  }
  if (isSpacktainerPipelineFile(name))
    return `"${name}" is the name of a pipeline file jc writes beside the build contexts; choose another${fix}`;
  return undefined;
}

/** A container name given on the command line, or bad input saying why it is none. */
export function requireContainerName(name: string): void {
  const problem = containerNameProblem(name, "");
  if (problem) throw new InputError(problem);
}

/**
 * Why a file or folder under container_definitions/ cannot be read as one, or undefined:
 * a name with a line break or another control character would reach logs and job output
 * as it is (a forged line), so it is refused, shown escaped.
 */
export function entryNameProblem(
  dir: string,
  name: string,
): { file: string; message: string } | undefined {
  if (!hasControls(name)) return undefined;
  return {
    file: `${dir}/${shownName(name)}`,
    message: "the name holds a line break or another control character: rename it",
  };
}

/** A file name as a message can show it: escaped and quoted when it holds control characters. */
export const shownName = (name: string) => (hasControls(name) ? JSON.stringify(name) : name);

/** Architecture folders and container entries starting with `_` are disabled. */
export function isDisabled(entryName: string): boolean {
  return entryName.startsWith("_");
}
