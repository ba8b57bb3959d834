import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { readRegularFileSync } from "../../../common/src/read-file.js";

/**
 * sha256 over every file below `dir`, recursively and as bytes, in a fixed order: the
 * path, the size, then the content of each file. A renamed, added or changed file
 * changes it; file times do not. (The original read only top-level entries, as text.)
 */
export function readFolderChecksum(dir: string): string {
  const hash = createHash("sha256");
  for (const file of listFiles(dir)) {
    const content = readRegularFileSync(file, file);
    hash.update(`${relative(dir, file).split("\\").join("/")}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex");
}

/** Every file below `dir` (absolute paths), in a fixed order. */
export function listFiles(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** sha256 of a file's bytes, or of a folder as `readFolderChecksum` computes it. */
export function readPathChecksum(path: string): string {
  if (statSync(path).isDirectory()) return readFolderChecksum(path);
  return createHash("sha256").update(readRegularFileSync(path, path)).digest("hex");
}
