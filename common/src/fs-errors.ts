import { UserError } from "./errors.js";

/** A file system error as a person reads it: what went wrong and what to do, not errno soup. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file (or a symbolic link to nothing)";
    case "EACCES":
    case "EPERM":
      return "permission denied: make it readable for the user running this command";
    case "ELOOP":
      return "a loop of symbolic links: fix the links";
    case "EISDIR":
      return "a folder, where a file was expected";
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return (error as Error).message;
  }
}

/** Why a write failed, in words, for the system errors a full or locked disk gives. */
const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied: make it writable for the user running this command",
  EPERM: "permission denied: make it writable for the user running this command",
  EIO: "an input/output error of the disk",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "a file stands where a folder is needed",
  EFBIG: "the file is too large for the file system",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
};

/**
 * A failed write of `path` (an output file or folder) as an error the user acts on, instead
 * of a stack trace: a full disk or a read-only mount is the machine's state, not a bug.
 * Errors that are not the system's (a bug, a refusal already worded) are returned as they are.
 */
export function writeFailure(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof UserError || !(error instanceof Error) || typeof code !== "string")
    return error;
  return new UserError(`cannot write ${path}: ${WRITE_REASONS[code] ?? error.message}`, {
    cause: error,
  });
}
