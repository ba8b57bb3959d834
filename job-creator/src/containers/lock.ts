import { join } from "node:path";
import { UserError } from "../../../common/src/errors.js";
import type { SizeLimit } from "../../../common/src/read-file.js";
import type { Runner } from "../../../common/src/run.js";
import type { ContainerLock } from "./lock-file.js";
import { readLockFile } from "./lock-threads.js";

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
  const hint =
    source.kind === "dir"
      ? "the generate job of this container should have written it; or run without --lock-dir to concretize here"
      : "spack concretize did not write it";
  return readLockFile(path, { container, hint }, limit);
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
