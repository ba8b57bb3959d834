import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeOutputs } from "./atomic-write.js";

/**
 * Replaces the whole content of `dir` with `files`: they are written into a sibling
 * temporary folder first, which then takes the place of `dir`. A failure leaves the old
 * folder as it was, and no stale file of an earlier run survives a success.
 */
export async function replaceDirectory(
  dir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): Promise<void> {
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const old = `${temp}-old`;
  await mkdir(dirname(dir), { recursive: true });
  try {
    await writeOutputs(temp, files);
    await mkdir(temp, { recursive: true });
    await rename(dir, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    await rename(temp, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}
