import { execFileSync } from "node:child_process";
import { lstat, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { writeFileAtomic } from "./atomic-write.js";
import { InputError, UserError } from "./errors.js";
import { replaceDirectory } from "./replace-dir.js";
import { writeFailure } from "./fs-errors.js";

/** A system error as Node's fs gives it. */
const systemError = (code: string, message: string) =>
  Object.assign(new Error(`${code}: ${message}`), { code, syscall: "write" });

describe("writeFailure", () => {
  it.each([
    ["ENOSPC", "cannot write out/a.yaml: no space left on the device"],
    ["EROFS", "cannot write out/a.yaml: the file system is read-only"],
    [
      "EACCES",
      "cannot write out/a.yaml: permission denied: make it writable for the user running this command",
    ],
    ["EEXIST", "cannot write out/a.yaml: a file stands where a folder is needed"],
    ["EWHATEVER", "cannot write out/a.yaml: EWHATEVER: something odd"],
  ])("words %s as the machine's state, not a bug", (code, message) => {
    const cause = systemError(code, "something odd");
    const error = writeFailure("out/a.yaml", cause);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(1);
    expect((error as UserError).message).toBe(message);
    expect((error as UserError).cause).toBe(cause);
  });

  it("leaves worded refusals and bugs as they are", () => {
    const refusal = new InputError("out is a file, not a folder: name a folder");
    const bug = new TypeError("cannot read properties of undefined");
    expect(writeFailure("out", refusal)).toBe(refusal);
    expect(writeFailure("out", bug)).toBe(bug);
    expect(writeFailure("out", "thrown text")).toBe("thrown text");
  });
});

describe("an output that cannot be written", () => {
  it("is a user error for a file and for a folder, with nothing left beside it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "plain.txt"), "a file, not a folder\n");
    const guard = { repoRoot: join(dir, "repo"), inputs: [] };
    await expect(writeFileAtomic(join(dir, "plain.txt/a.yaml"), "x")).rejects.toThrow(
      new UserError(`cannot write ${dir}/plain.txt/a.yaml: a file stands where a folder is needed`),
    );
    await expect(
      replaceDirectory(join(dir, "plain.txt/out"), new Map([["a.yaml", "x"]]), guard),
    ).rejects.toThrow(/^cannot write .*plain\.txt\/out: a file stands where a folder is needed$/);
    expect((await readdir(dir)).sort()).toEqual(["plain.txt"]);
  });

  it("writes through a link, keeping it, and never replaces a pipe or a device", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "real.yaml"), "old\n");
    await symlink(join(dir, "real.yaml"), join(dir, "link.yaml"));
    await writeFileAtomic(join(dir, "link.yaml"), "new\n");
    expect((await lstat(join(dir, "link.yaml"))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, "real.yaml"), "utf8")).toBe("new\n");
    execFileSync("mkfifo", [join(dir, "pipe")]);
    await expect(writeFileAtomic(join(dir, "pipe"), "x")).rejects.toThrow(
      new UserError(`cannot write ${dir}/pipe: a named pipe, not a regular file`),
    );
    expect((await lstat(join(dir, "pipe"))).isFIFO()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["link.yaml", "pipe", "real.yaml"]);
  });
});
