import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { InputError } from "./errors.js";

/** A size limit on an input file and the setting that changes it. */
export interface SizeLimit {
  readonly maxBytes: number;
  readonly setting: string;
}

/**
 * The bytes of a regular file, of at most `limit.maxBytes` when given. Anything else is
 * refused before a byte is read, naming `displayName`: a named pipe (opened without waiting
 * for a writer, which would never come), a device such as /dev/zero (which never ends), a
 * folder. File-system errors (ENOENT, EACCES, ELOOP...) pass through for the caller to
 * explain in its own terms.
 *
 * Synchronous: the inputs are local files of some KB, read by the hundred. fs/promises
 * cost 100-150 µs of CPU per file (a handle, four trips to the thread pool), this 25-35 µs,
 * and a workflow's CPU is what bounds it (issue 22).
 */
export function readRegularFileSync(path: string, displayName: string, limit?: SizeLimit): Buffer {
  return readInto(path, displayName, limit, true);
}

/** Kept between reads up to this size: a larger file's buffer is let go after its use. */
const SCRATCH_KEPT_BYTES = 16 * 1024 ** 2;
let scratch = Buffer.alloc(0);
let scratchInUse = false;

/**
 * `readRegularFileSync` for large files read by the hundred (lock files of some hundred
 * KB): the bytes are read into one buffer reused from file to file and given to `use`,
 * valid only until it returns. A fresh buffer per file cost more in page faults than the
 * reading itself, and keeping each file's bytes held tens of MB for nothing.
 */
export function useRegularFileSync<T>(
  path: string,
  displayName: string,
  limit: SizeLimit | undefined,
  use: (bytes: Buffer) => T,
): T {
  // A `use` that reads another file meanwhile gets a buffer of its own.
  const nested = scratchInUse;
  const bytes = readInto(path, displayName, limit, nested);
  scratchInUse = true;
  try {
    return use(bytes);
  } finally {
    if (!nested) scratchInUse = false;
  }
}

/** The file's bytes, in the scratch buffer unless `fresh` or too large to keep. */
function readInto(
  path: string,
  displayName: string,
  limit: SizeLimit | undefined,
  fresh: boolean,
): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    checkRegular(info, displayName, limit);
    let buffer = scratch;
    if (fresh) buffer = Buffer.allocUnsafe(info.size);
    else if (scratch.length < info.size) {
      // Grown by doubling: files of rising sizes do not each cost a new buffer.
      buffer = Buffer.allocUnsafe(
        Math.max(info.size, Math.min(2 * scratch.length, SCRATCH_KEPT_BYTES)),
      );
      if (info.size <= SCRATCH_KEPT_BYTES) scratch = buffer;
    }
    let length = 0;
    // As far as the size checked: a file still being written is read as it was then.
    while (length < info.size) {
      const read = readSync(fd, buffer, length, info.size - length, length);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function checkRegular(info: Stats, displayName: string, limit: SizeLimit | undefined): void {
  if (!info.isFile())
    throw new InputError([
      { file: displayName, message: `cannot read: ${kindOf(info)}, not a regular file` },
    ]);
  if (limit && info.size > limit.maxBytes)
    throw new InputError([
      {
        file: displayName,
        message: `is ${info.size} bytes, over the limit of ${limit.maxBytes} (${limit.setting})`,
      },
    ]);
}

/** What a file that is not a regular one is, in words: "a named pipe", "a device". */
export function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a folder";
  if (info.isFIFO()) return "a named pipe";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  if (info.isSocket()) return "a socket";
  return "a special file";
}

/** Files that jc and Spack write (pipelines, merged environments, lock files), read back. */
export const GENERATED_LIMIT: SizeLimit = {
  maxBytes: 256 * 1024 ** 2,
  setting: "the limit for files jc and Spack generate",
};
