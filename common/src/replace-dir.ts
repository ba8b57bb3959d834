import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import pLimit from "p-limit";
import { InputError, UserError } from "./errors.js";
import { useRegularFileSync } from "./read-file.js";
import { writeFailure } from "./fs-errors.js";

/** Written with every output folder: only a folder holding it is ever replaced. */
export const OUTPUT_MARKER = ".spacktainers-output";
const MARKER_TEXT =
  "Written by spacktainers. This folder is replaced as a whole on every run: keep nothing else here.\n";

/**
 * A file copied from `copyOf` as the folder is written, for one read earlier and not kept
 * in memory (a lock file among hundreds): refused unless its bytes still have the sha256
 * the run decided on (the bytes checked are the bytes written).
 */
export interface CopiedFile {
  readonly copyOf: string;
  readonly sha256: string;
}

/** What a file of an output folder holds. */
export type FileContent = string | Uint8Array | CopiedFile;

/** What an output folder must stay clear of. */
export interface OutputGuard {
  /** The output may be inside it, never be it or hold it. */
  readonly repoRoot: string;
  /** Folders and files the command reads: the output may not be, hold or be inside any of them. */
  readonly inputs: readonly string[];
}

const within = (inner: string, outer: string) => {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
};

/** Why `dir` may not be an output folder, or undefined. Pure: paths only. */
export function outputDirProblem(dir: string, guard: OutputGuard): string | undefined {
  if (dir.trim() === "") return "the output folder is empty: name a folder";
  const out = resolve(dir);
  if (within(resolve(guard.repoRoot), out))
    return `${dir} is or holds the repository root (${resolve(guard.repoRoot)}): name a folder of its own`;
  for (const input of guard.inputs) {
    const path = resolve(input);
    if (within(path, out) || within(out, path))
      return `${dir} overlaps ${input}, which this command reads: name a folder of its own`;
  }
  return undefined;
}

/** Fails early (before any work) when `dir` may not be an output folder. */
export function requireOutputDir(dir: string, guard: OutputGuard): void {
  const problem = outputDirProblem(dir, guard);
  if (problem) throw new InputError(problem);
}

/**
 * Replaces the whole content of `dir` with `files`, plus the marker. They are written into
 * a sibling temporary folder first, which then takes the place of `dir`: a failure leaves
 * the old folder as it was, and no stale file of an earlier run survives a success. Refuses,
 * touching nothing, a folder that overlaps an input, a path that is a file, and a non-empty
 * folder without the marker (someone else's files).
 */
export async function replaceDirectory(
  dir: string,
  files: ReadonlyMap<string, FileContent>,
  guard: OutputGuard,
): Promise<void> {
  const problem = outputDirProblem(dir, guard) ?? (await ownershipProblem(dir, files));
  if (problem) throw new InputError(problem);
  await removeLeftovers(dir);
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const old = `${temp}-old`;
  try {
    await mkdir(dirname(dir), { recursive: true });
    await writeTree(temp, new Map([...files, [OUTPUT_MARKER, MARKER_TEXT]]));
    await rename(dir, old).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    });
    await rename(temp, dir);
  } catch (error) {
    throw writeFailure(dir, error);
  } finally {
    // What this cannot remove, the next run's removeLeftovers does; the outcome above stands.
    const cleanUp = (path: string) => rm(path, { recursive: true, force: true }).catch(() => {});
    await cleanUp(temp);
    await cleanUp(old);
  }
}

/**
 * Removes the temporary siblings of `dir` that a run killed before it finished left behind
 * (`.<name>.tmp-<pid>-<time>`, and `-old` for the folder it was replacing). A folder of a
 * process that is still alive is another run at work: it stays.
 */
async function removeLeftovers(dir: string): Promise<void> {
  const name = basename(dir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^\\.${name}\\.tmp-(\\d+)-\\d+(-old)?$`);
  const siblings = await readdir(dirname(dir)).catch(() => []);
  for (const sibling of siblings) {
    const pid = pattern.exec(sibling)?.[1];
    if (pid !== undefined && !isAlive(Number(pid)))
      await rm(join(dirname(dir), sibling), { recursive: true, force: true });
  }
}

/** Whether a process of that id exists (one of another user counts: EPERM). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Files written at once into a new folder: each waits on the disk, not on the others. */
const WRITES_AT_ONCE = 16;

/**
 * Writes `files` (relative path -> content) into the new folder `dir`: its folders first,
 * the copied files one after another (each through the one reused read buffer), then the
 * others several at a time. Nobody reads `dir` before it takes its place, so a file needs
 * no rename of its own; a failure is cleaned up by the caller.
 */
async function writeTree(dir: string, files: ReadonlyMap<string, FileContent>): Promise<void> {
  const limit = pLimit(WRITES_AT_ONCE);
  // `recursive` makes each folder with its parents, and takes one made meanwhile as made.
  const folders = new Set([...files.keys()].map((path) => dirname(join(dir, path))));
  await Promise.all([...folders].map((folder) => limit(() => mkdir(folder, { recursive: true }))));
  const written: [string, string | Uint8Array][] = [];
  for (const [path, content] of files)
    if (typeof content === "string" || content instanceof Uint8Array) written.push([path, content]);
    else copyChecked(content, join(dir, path));
  await Promise.all(
    written.map(([path, content]) => limit(() => writeFile(join(dir, path), content))),
  );
}

/**
 * Writes `file.copyOf`'s bytes to `to`, refusing a file changed since it was read. Read as
 * every input is (a named pipe or a device put in its place is refused, not waited on), and
 * the bytes checked are the bytes written.
 */
function copyChecked(file: CopiedFile, to: string): void {
  const changed = (why: string) =>
    new UserError(`${file.copyOf} changed while this command ran (${why}): run it again`);
  try {
    useRegularFileSync(file.copyOf, file.copyOf, undefined, (bytes) => {
      if (createHash("sha256").update(bytes).digest("hex") !== file.sha256)
        throw changed("its sha256 is no longer the one read");
      // Written from the reused buffer before it is read into again.
      writeFileSync(to, bytes);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Gone or unreadable since it was read; a failure to write `to` is the output's own.
    if (code && (error as NodeJS.ErrnoException).path === file.copyOf) throw changed(code);
    throw error;
  }
}

/**
 * A folder is ours when it is empty, holds the marker, or holds nothing but names this run
 * writes anyway (a folder from before the marker existed).
 */
async function ownershipProblem(
  dir: string,
  files: ReadonlyMap<string, unknown>,
): Promise<string | undefined> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isDirectory()) return `${dir} is a file, not a folder: name a folder`;
  const entries = await readdir(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return undefined;
  const ours = new Set([...files.keys()].map((path) => path.split("/")[0]!));
  if (entries.every((entry) => ours.has(entry))) return undefined;
  return `${dir} holds files spacktainers did not write (no ${OUTPUT_MARKER}): it replaces only its own folders; name another, or empty it`;
}
