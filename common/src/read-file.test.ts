import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { InputError } from "./errors.js";
import { readRegularFile, readRegularFileSync, type SizeLimit } from "./read-file.js";

const problemOf = (error: unknown) => (error as InputError).problems[0]?.message;

type Reader = (path: string, displayName: string, limit?: SizeLimit) => Promise<Buffer>;
const readers: [string, Reader][] = [
  ["readRegularFile", readRegularFile],
  ["readRegularFileSync", async (...args) => readRegularFileSync(...args)],
];

// Each test runs against both readers, under the one name the tests use.
describe.each(readers)("reading an input file (%s)", (_name, readRegularFile) => {
  it("reads a regular file whole, empty or larger than one read", async () => {
    const dir = await tempDir();
    const large = Buffer.from(Array.from({ length: 3 * 1024 ** 2 }, (_, i) => (i * 7919) % 251));
    for (const content of [Buffer.from("hello\n"), Buffer.alloc(0), large]) {
      await writeFile(join(dir, "a.txt"), content);
      expect((await readRegularFile(join(dir, "a.txt"), "a.txt")).equals(content)).toBe(true);
    }
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
