import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { readRegularFile } from "../../../common/src/read-file.js";

/**
 * sha256 over every file below `dir`, recursively and as bytes, in a fixed order: the
 * path, the size, then the content of each file. A renamed, added or changed file
 * changes it; file times do not. (The original read only top-level entries, as text.)
 */
export async function readFolderChecksum(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of await listFiles(dir)) {
    const content = await readRegularFile(file, file);
    hash.update(`${relative(dir, file).split("\\").join("/")}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex");
}

/** Every file below `dir` (absolute paths), in a fixed order. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** sha256 of a file's bytes, or of a folder as `readFolderChecksum` computes it. */
export async function readPathChecksum(path: string): Promise<string> {
  if ((await stat(path)).isDirectory()) return readFolderChecksum(path);
  return createHash("sha256")
    .update(await readRegularFile(path, path))
    .digest("hex");
}
