import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFailure } from "./fs-errors.js";

/** Writes a file so that readers see either the old or the whole new content, never a part. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    // A temporary file this cannot remove is beside the output, never in its place.
    await rm(temp, { force: true }).catch(() => {});
    throw writeFailure(path, error);
  }
}
