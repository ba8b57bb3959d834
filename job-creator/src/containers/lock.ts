import { createHash } from "node:crypto";
import { join } from "node:path";
import { InputError, UserError } from "../../../common/src/errors.js";
import { useRegularFileSync, type SizeLimit } from "../../../common/src/read-file.js";
import type { Runner } from "../../../common/src/run.js";
import { parseLockBytes, type LockFile } from "../../../common/src/spack-specs.js";

/**
 * A container's concrete environment: the parsed lock file, where it is and the sha256 of
 * its bytes. The bytes are not kept: a build context copies the file, checked against the
 * sha256 (`CopiedFile`), as a run reads hundreds of them and writes few.
 */
export interface ContainerLock {
  readonly lock: LockFile;
  readonly path: string;
  readonly sha256: string;
}

/**
 * Where lock files come from: the `spack.lock` files the generate jobs left in
 * `<dir>/<container>/`, or a fresh `spack concretize -f` in each merged environment.
 */
export type LockSource =
  | { readonly kind: "dir"; readonly dir: string }
  | { readonly kind: "concretize"; readonly run: Runner; readonly timeoutMs?: number };

/** The lock file of one container; `envDir` holds its merged spack.yaml. */
export async function readContainerLock(
  source: LockSource,
  container: string,
  envDir: string,
  limit: SizeLimit,
): Promise<ContainerLock> {
  let path: string;
  if (source.kind === "dir") {
    path = join(source.dir, container, "spack.lock");
  } else {
    await concretize(source, container, envDir);
    path = join(envDir, "spack.lock");
  }
  try {
    return useRegularFileSync(path, path, limit, (bytes) => {
      const lock = parseLock(bytes, path);
      return { lock, path, sha256: createHash("sha256").update(bytes).digest("hex") };
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    const hint =
      source.kind === "dir"
        ? "the generate job of this container should have written it; or run without --lock-dir to concretize here"
        : "spack concretize did not write it";
    throw new InputError([
      {
        file: path,
        message: `no spack.lock for container "${container}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${hint}`,
      },
    ]);
  }
}

function parseLock(bytes: Uint8Array, path: string): LockFile {
  let lock: ReturnType<typeof parseLockBytes>;
  try {
    lock = parseLockBytes(bytes);
  } catch (error) {
    throw new InputError([{ file: path, message: `not JSON: ${(error as Error).message}` }]);
  }
  if ("error" in lock) throw new InputError([{ file: path, message: lock.error }]);
  return lock;
}

async function concretize(
  source: Extract<LockSource, { kind: "concretize" }>,
  container: string,
  envDir: string,
): Promise<void> {
  const result = await source
    .run("spack", ["-e", envDir, "concretize", "-f"], {
      timeoutMs: source.timeoutMs ?? 30 * 60_000,
    })
    .catch((error: unknown) => {
      throw new UserError(
        `${(error as Error).message}: concretizing needs Spack (run in the builder image), or pass --lock-dir with the generate jobs' spack.lock files`,
        { cause: error },
      );
    });
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`.trimEnd();
    throw new UserError(
      `spack concretize failed for container "${container}" (exit ${result.code}) in ${envDir}:\n${output}`,
    );
  }
}
