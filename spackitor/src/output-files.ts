import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { throwIfProblems, type Problem } from "../../common/src/errors.js";

/** A file the run writes, by the flag that named it. */
export interface OutputFile {
  readonly flag: string;
  readonly path: string;
}

/** The path as the file system resolves it (links followed), or as given when it does not exist yet. */
const canonical = (path: string) => realpath(path).catch(() => resolve(path));

/**
 * Refuses, before anything is read from the bucket, a file the run would write (`--json`,
 * `--log-file`) that is one of the lock files it reads (a slip of tab completion would
 * replace or append to it, and the next run would lose what it protected), a folder, or the
 * same file as another output.
 */
export async function checkOutputFiles(
  outputs: readonly OutputFile[],
  lockFiles: readonly string[],
): Promise<void> {
  const locks = new Set(await Promise.all(lockFiles.map(canonical)));
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { flag, path } of outputs) {
    const target = await canonical(path);
    const refuse = (why: string) => problems.push({ file: path, message: `${flag}: ${why}` });
    if (locks.has(target)) refuse("that is a lock file this run reads: name a new file");
    else if ((await stat(target).catch(() => undefined))?.isDirectory())
      refuse("that is a folder: name a file");
    else if (seen.has(target)) refuse(`the same file as ${seen.get(target)}: name another`);
    seen.set(target, flag);
  }
  throwIfProblems(problems);
}
