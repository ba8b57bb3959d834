import { unzipSync } from "fflate";
import { UserError } from "./errors.js";

/**
 * Most bytes the files taken from one artifact archive may expand to. Archives are read
 * whole into memory; a few hundred MB compressed can expand to many GB.
 */
export const MAX_EXTRACTED_BYTES = 1024 ** 3;

/**
 * The files of a job's artifact archive that `wanted` accepts, keyed by their path. An archive
 * holding an entry that would land outside the folder it is extracted to (absolute paths,
 * "..") is refused: it must not write where it pleases. So is one whose wanted files expand
 * to more than `maxBytes`, as its directory says before anything is inflated (fflate inflates
 * each file into a buffer of the size the directory gives, so a lying entry only comes out
 * short).
 */
export function zipFiles(
  archive: Uint8Array,
  where: string,
  wanted: (path: string) => boolean = () => true,
  maxBytes = MAX_EXTRACTED_BYTES,
): Map<string, Uint8Array> {
  let total = 0;
  const take = (name: string, originalSize: number): boolean => {
    const parts = name.split(/[\\/]/);
    if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || parts.includes(".."))
      throw new UserError(
        `the artifacts of ${where} hold an unsafe path "${name}": refusing to extract`,
      );
    if (name.endsWith("/") || !wanted(parts.join("/"))) return false; // a folder entry
    total += originalSize;
    if (total > maxBytes)
      throw new UserError(
        `the artifacts of ${where} expand to more than ${Math.round(maxBytes / 1024 ** 2)} MiB: refusing to extract`,
      );
    return true;
  };
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive, { filter: (file) => take(file.name, file.originalSize) });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `the artifacts of ${where} are not a zip archive: ${(error as Error).message}`,
    );
  }
  return new Map(
    Object.entries(entries).map(([path, content]) => [path.split(/[\\/]/).join("/"), content]),
  );
}

/** The files of the archive below `folder/`, keyed by their path inside `folder`; only they are inflated. */
export function filesBelow(
  archive: Uint8Array,
  folder: string,
  where: string,
  maxBytes = MAX_EXTRACTED_BYTES,
): Map<string, Uint8Array> {
  const prefix = `${folder}/`;
  const below = new Map<string, Uint8Array>();
  for (const [path, content] of zipFiles(archive, where, (p) => p.startsWith(prefix), maxBytes))
    below.set(path.slice(prefix.length), content);
  return below;
}
