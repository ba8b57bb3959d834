import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError, throwIfProblems, type Problem } from "../../common/src/errors.js";
import { GENERATED_LIMIT, readRegularFileSync } from "../../common/src/read-file.js";
import { parseLockBytes } from "../../common/src/spack-specs.js";
import { describeFsError } from "../../common/src/fs-errors.js";

/** Every hash of the given `spack.lock` files; a folder means every spack.lock below it. */
export async function readLockedHashes(
  paths: readonly string[],
): Promise<{ hashes: Set<string>; files: string[] }> {
  const files: string[] = [];
  for (const path of paths) {
    const unreadable = (error: unknown) => {
      const noEntry = (error as NodeJS.ErrnoException).code === "ENOENT";
      return new InputError([
        {
          file: path,
          message: noEntry
            ? "no such lock file or folder (or a symbolic link to nothing)"
            : `cannot read: ${describeFsError(error)}`,
        },
      ]);
    };
    const info = await stat(path).catch((error: unknown) => {
      throw unreadable(error);
    });
    if (info.isDirectory()) {
      // With file types, symbolic links to folders are not followed (a loop, or a link to /,
      // would be walked without end); files named spack.lock only.
      const entries = await readdir(path, { recursive: true, withFileTypes: true }).catch(
        (error: unknown) => {
          throw unreadable(error);
        },
      );
      const found = entries
        .filter((entry) => entry.name === "spack.lock" && !entry.isDirectory())
        .map((entry) => join(entry.parentPath, entry.name))
        .sort();
      // A folder without one would keep nothing: a wrong path must not make specs deletable.
      if (found.length === 0)
        throw new InputError([
          {
            file: path,
            message:
              "no spack.lock below this folder: nothing of it would be kept; pass the folder the generate jobs wrote their lock files to",
          },
        ]);
      files.push(...found);
    } else files.push(path);
  }
  const hashes = new Set<string>();
  const problems: Problem[] = [];
  for (const file of files) {
    let lock: ReturnType<typeof parseLockBytes>;
    try {
      lock = parseLockBytes(readRegularFileSync(file, file, GENERATED_LIMIT));
    } catch (error) {
      if (error instanceof InputError) {
        problems.push(...error.problems);
        continue;
      }
      problems.push({ file, message: `not a JSON lock file: ${(error as Error).message}` });
      continue;
    }
    if ("error" in lock) problems.push({ file, message: lock.error });
    else for (const hash of lock.specs.keys()) hashes.add(hash);
  }
  throwIfProblems(problems);
  return { hashes, files };
}

/** Where Spack checkouts keep the builtin packages, by release. */
const PACKAGE_DIRS = [
  "var/spack/repos/builtin/packages",
  "var/spack/repos/spack_repo/builtin/packages",
  "repos/spack_repo/builtin/packages",
];

/** The package names of a Spack (or spack-packages) checkout, to find specs whose package is gone. */
export async function readPackageNames(spackDirectory: string): Promise<(name: string) => boolean> {
  const names = new Set<string>();
  let found = false;
  for (const dir of PACKAGE_DIRS) {
    const entries = await readdir(join(spackDirectory, dir)).catch(() => undefined);
    if (!entries) continue;
    found = true;
    for (const entry of entries) names.add(entry);
  }
  if (!found) {
    throw new InputError(
      `${spackDirectory}: no package repository found (looked for ${PACKAGE_DIRS.join(", ")}): pass the root of a Spack checkout`,
    );
  }
  // Spack 1.0's repositories name package folders as Python modules: py-numpy lives in py_numpy.
  return (name) => names.has(name) || names.has(name.replace(/-/g, "_"));
}
