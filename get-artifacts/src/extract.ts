import { unzipSync } from "fflate";
import { UserError } from "../../common/src/errors.js";

/**
 * The files of a job's artifact archive below `folder/`, keyed by their path inside
 * `folder`. Entries that would land outside it (absolute paths, "..") are refused: an
 * archive must not write where it pleases.
 */
export function filesBelow(
  archive: Uint8Array,
  folder: string,
  where: string,
): Map<string, Uint8Array> {
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
    if (parts[0] !== folder || parts.length < 2) continue;
    files.set(parts.slice(1).join("/"), content);
  }
  return files;
}
