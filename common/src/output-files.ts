import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { throwIfProblems, type Problem } from "./errors.js";
import { kindOf } from "./read-file.js";

/** A file a command writes, by the flag that named it. */
export interface OutputFile {
  readonly flag: string;
  readonly path: string;
}

/** A file a command reads, and what it is to the user ("the configuration"). */
export interface InputFile {
  readonly path: string;
  readonly what: string;
}

/** The path as the file system resolves it (links followed), or as given when it does not exist yet. */
const canonical = (path: string) => realpath(path).catch(() => resolve(path));

/**
 * Refuses, before any work, a file a command would write that is one of the files it reads
 * (a slip of tab completion would replace the configuration or a lock file with output), a
 * link to one, a folder, anything but a regular file (an output is written beside and renamed
 * over its path: run as root, `-o /dev/null` would replace the device with a file), or the
 * same file as another output. Exit 2, every problem listed.
 */
export async function checkOutputFiles(
  outputs: readonly OutputFile[],
  inputs: readonly InputFile[],
): Promise<void> {
  const read = new Map<string, string>();
  for (const input of inputs) read.set(await canonical(input.path), input.what);
  const written = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { flag, path } of outputs) {
    const target = await canonical(path);
    const refuse = (why: string) => problems.push({ file: path, message: `${flag}: ${why}` });
    const info = await stat(target).catch(() => undefined);
    if (read.has(target))
      refuse(`that is ${read.get(target)}, which this command reads: name a new file`);
    else if (info?.isDirectory()) refuse("that is a folder: name a file");
    else if (info && !info.isFile())
      refuse(`that is ${kindOf(info)}, not a regular file: name a file`);
    else if (written.has(target)) refuse(`the same file as ${written.get(target)}: name another`);
    written.set(target, flag);
  }
  throwIfProblems(problems);
}
