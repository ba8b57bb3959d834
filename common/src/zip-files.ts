import { unzipSync } from "fflate";
import { UserError } from "./errors.js";

/**
 * Every file of a job's artifact archive, keyed by its path. Entries that would land outside
 * the folder they are extracted to (absolute paths, "..") are refused: an archive must not
 * write where it pleases.
 */
export function zipFiles(archive: Uint8Array, where: string): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive);
  } catch (error) {
    throw new UserError(
      `the artifacts of ${where} are not a zip archive: ${(error as Error).message}`,
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(entries)) {
    if (path.endsWith("/")) continue; // a folder entry
    const parts = path.split(/[\\/]/);
    if (path.startsWith("/") || /^[A-Za-z]:/.test(path) || parts.includes("..")) {
      throw new UserError(
        `the artifacts of ${where} hold an unsafe path "${path}": refusing to extract`,
      );
    }
    files.set(parts.join("/"), content);
  }
  return files;
}

/** The files of the archive below `folder/`, keyed by their path inside `folder`. */
export function filesBelow(
  archive: Uint8Array,
  folder: string,
  where: string,
): Map<string, Uint8Array> {
  const below = new Map<string, Uint8Array>();
  for (const [path, content] of zipFiles(archive, where))
    if (path.startsWith(`${folder}/`)) below.set(path.slice(folder.length + 1), content);
  return below;
}
