import { createHash } from "node:crypto";
import { InputError } from "../../../common/src/errors.js";
import { readRegularFile, type SizeLimit } from "../../../common/src/read-file.js";
import { parseLockFile, type LockFile } from "../../../common/src/spack-specs.js";

/** A container's concrete environment: the parsed lock file, its bytes and their sha256. */
export interface ContainerLock {
  readonly lock: LockFile;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/**
 * Reads, parses and hashes the `spack.lock` of a container; `hint` says what should have
 * written it.
 * Bad input (no file, not JSON, not a lock file) is an InputError naming the file.
 */
export async function loadLockFile(
  path: string,
  { container, hint }: { readonly container: string; readonly hint: string },
  limit: SizeLimit,
): Promise<ContainerLock> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, path, limit);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      {
        file: path,
        message: `no spack.lock for container "${container}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${hint}`,
      },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new InputError([{ file: path, message: `not JSON: ${(error as Error).message}` }]);
  }
  const lock = parseLockFile(json);
  if ("error" in lock) throw new InputError([{ file: path, message: lock.error }]);
  // Hashed and copied as bytes: a lock file is large, and every container has one.
  return { lock, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}
