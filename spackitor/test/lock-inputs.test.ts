import { execFileSync } from "node:child_process";
import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../common/src/errors.js";
import { parseLockFile } from "../../common/src/spack-specs.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { readLockedHashes } from "../src/inputs.js";
import { readFileSync } from "node:fs";

const LOCK = join(SPACK_FIXTURES, "versions/v0.21-spack.lock");

describe("the lock files spackitor keeps the specs of", () => {
  it("reads every file named spack.lock below a folder, not other names, and survives a symlink loop", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "a/deep"), { recursive: true });
    await copyFile(LOCK, join(dir, "a/deep/spack.lock"));
    // Not lock files: read as such, they would fail the run.
    await writeFile(join(dir, "a/old-spack.lock"), "not JSON");
    await writeFile(join(dir, "a/spack.lock.bak"), "not JSON");
    await symlink("..", join(dir, "a/loop"));
    const read = await readLockedHashes([dir]);
    expect(read.files).toEqual([join(dir, "a/deep/spack.lock")]);
    const lock = parseLockFile(JSON.parse(readFileSync(LOCK, "utf8")));
    if ("error" in lock) throw new Error(lock.error);
    expect(read.hashes).toEqual(new Set(lock.specs.keys()));
    expect(read.hashes.size).toBeGreaterThan(0);
  });

  it("refuses a folder without any spack.lock: a wrong path must not leave specs unprotected", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "pipeline.yml"), "{}");
    const error = await readLockedHashes([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/no spack\.lock below this folder/);
  });

  it("refuses an empty lock file, naming it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "spack.lock"), "");
    await expect(readLockedHashes([join(dir, "spack.lock")])).rejects.toThrow(
      /spack\.lock: not a JSON lock file/,
    );
  });

  it("refuses a lock path that is a named pipe or a device at once, instead of waiting or reading for ever", async () => {
    const dir = await tempDir();
    execFileSync("mkfifo", [join(dir, "spack.lock")]);
    await expect(readLockedHashes([join(dir, "spack.lock")])).rejects.toThrow(
      /spack\.lock: cannot read: a named pipe, not a regular file/,
    );
    await expect(readLockedHashes(["/dev/zero"])).rejects.toThrow(
      /\/dev\/zero: cannot read: a device, not a regular file/,
    );
  });

  it("names a lock path that is a loop of links or leads nowhere for what it is", async () => {
    const dir = await tempDir();
    await symlink("loop-b", join(dir, "loop-a"));
    await symlink("loop-a", join(dir, "loop-b"));
    await symlink("gone", join(dir, "dangling"));
    await expect(readLockedHashes([join(dir, "loop-a")])).rejects.toThrow(
      /loop-a: cannot read: a loop of symbolic links: fix the links/,
    );
    await expect(readLockedHashes([join(dir, "dangling")])).rejects.toThrow(
      /dangling: no such lock file or folder \(or a symbolic link to nothing\)/,
    );
  });
});
