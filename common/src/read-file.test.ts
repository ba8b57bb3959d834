import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { thrownBy } from "../../test/helpers/thrown.js";
import { InputError } from "./errors.js";
import { readRegularFileSync, useRegularFileSync, type SizeLimit } from "./read-file.js";

const problemOf = (error: unknown) => (error as InputError).problems[0]?.message;

type Reader = (path: string, displayName: string, limit?: SizeLimit) => Buffer;
const readers: [string, Reader][] = [
  ["readRegularFileSync", readRegularFileSync],
  [
    "useRegularFileSync",
    (path, displayName, limit) =>
      useRegularFileSync(path, displayName, limit, (bytes) => Buffer.from(bytes)),
  ],
];

// Each test runs against both readers, under the one name the tests use.
describe.each(readers)("reading an input file (%s)", (_name, readRegularFileSync) => {
  it("reads a regular file whole, empty or larger than one read", async () => {
    const dir = await tempDir();
    const large = Buffer.from(Array.from({ length: 3 * 1024 ** 2 }, (_, i) => (i * 7919) % 251));
    for (const content of [Buffer.from("hello\n"), Buffer.alloc(0), large]) {
      await writeFile(join(dir, "a.txt"), content);
      expect(readRegularFileSync(join(dir, "a.txt"), "a.txt").equals(content)).toBe(true);
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
      const error = thrownBy(() => readRegularFileSync(path, "shown.lock"));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems[0]?.file).toBe("shown.lock");
      expect(problemOf(error)).toBe(`cannot read: ${kind}, not a regular file`);
    }
  });

  it("refuses a file over the limit before reading it, naming the setting", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "big"), "x".repeat(2048));
    const error = thrownBy(() =>
      readRegularFileSync(join(dir, "big"), "big", {
        maxBytes: 1024,
        setting: "limits.x",
      }),
    );
    expect(problemOf(error)).toBe("is 2048 bytes, over the limit of 1024 (limits.x)");
  });

  it("lets a missing file's error through for the caller to explain", async () => {
    const error = thrownBy(() => readRegularFileSync("/nonexistent/file", "f"));
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});

describe("useRegularFileSync's buffer, reused from file to file", () => {
  it("gives each file its own bytes, whatever the sizes before it", async () => {
    const dir = await tempDir();
    const sizes = [10, 300_000, 7, 0, 700_000, 300_001];
    const contents = sizes.map((size, n) => Buffer.alloc(size, 65 + n));
    for (const [i, content] of contents.entries()) await writeFile(join(dir, `${i}`), content);
    for (const [i, content] of contents.entries())
      expect(
        useRegularFileSync(join(dir, `${i}`), `${i}`, undefined, (b) => b.equals(content)),
      ).toBe(true);
  });

  it("gives a read inside another's use a buffer of its own", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "outer"), "outer bytes");
    await writeFile(join(dir, "inner"), "inner");
    const seen = useRegularFileSync(join(dir, "outer"), "outer", undefined, (outer) => {
      const inner = useRegularFileSync(join(dir, "inner"), "inner", undefined, (b) => b.toString());
      return [outer.toString(), inner];
    });
    expect(seen).toEqual(["outer bytes", "inner"]);
  });

  it("lets an error of the use through and reads on after it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a"), "first");
    await writeFile(join(dir, "b"), "second");
    expect(() =>
      useRegularFileSync(join(dir, "a"), "a", undefined, () => {
        throw new Error("refused");
      }),
    ).toThrow("refused");
    const read = (name: string) =>
      useRegularFileSync(join(dir, name), name, undefined, (b) => b.toString());
    // Not taken as nested: the next read reuses the buffer and gets its own bytes.
    expect([read("b"), read("a")]).toEqual(["second", "first"]);
  });
});
