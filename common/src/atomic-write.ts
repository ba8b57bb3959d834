import { mkdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { UserError } from "./errors.js";
import { writeFailure } from "./fs-errors.js";
import { kindOf } from "./read-file.js";

/**
 * Writes a file so that readers see either the old or the whole new content, never a part.
 * A link is written through (its target replaced, the link kept), and only a regular file is
 * replaced: renamed over, a device or a pipe would be gone, not written to.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const info = await stat(target).catch(() => undefined);
  if (info && !info.isFile())
    throw new UserError(`cannot write ${path}: ${kindOf(info)}, not a regular file`);
  const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (error) {
    // A temporary file this cannot remove is beside the output, never in its place.
    await rm(temp, { force: true }).catch(() => {});
    throw writeFailure(path, error);
  }
}
