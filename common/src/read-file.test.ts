import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { InputError } from "./errors.js";
import { readRegularFile } from "./read-file.js";

const problemOf = (error: unknown) => (error as InputError).problems[0]?.message;

describe("reading an input file", () => {
  it("reads a regular file whole", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.txt"), "hello\n");
    expect((await readRegularFile(join(dir, "a.txt"), "a.txt")).toString()).toBe("hello\n");
  });

  it("refuses a device that never ends, a named pipe (without waiting for a writer) and a folder", async () => {
    const dir = await tempDir();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    await mkdir(join(dir, "folder"));
    for (const [path, kind] of [
      ["/dev/zero", "a device"],
      [join(dir, "pipe"), "a named pipe"],
      [join(dir, "folder"), "a folder"],
    ] as const) {
      const error = await readRegularFile(path, "shown.lock").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems[0]?.file).toBe("shown.lock");
      expect(problemOf(error)).toBe(`cannot read: ${kind}, not a regular file`);
    }
  });

  it("refuses a file over the limit before reading it, naming the setting", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "big"), "x".repeat(2048));
    const error = await readRegularFile(join(dir, "big"), "big", {
      maxBytes: 1024,
      setting: "limits.x",
    }).catch((e: unknown) => e);
    expect(problemOf(error)).toBe("is 2048 bytes, over the limit of 1024 (limits.x)");
  });

  it("lets a missing file's error through for the caller to explain", async () => {
    const error = await readRegularFile("/nonexistent/file", "f").catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
