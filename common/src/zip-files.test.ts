import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { filesBelow, zipFiles } from "./zip-files.js";

const MIB = 1024 ** 2;

describe("the files of an artifact archive", () => {
  it("refuses an archive whose files expand past the limit, before inflating them", () => {
    // Zeros compress about a thousandfold: 3 MiB of them are a few KB in the archive.
    const archive = zipSync({
      "out/a.bin": new Uint8Array(2 * MIB),
      "out/b.bin": new Uint8Array(MIB),
    });
    expect(archive.length).toBeLessThan(64 * 1024);
    expect(() => zipFiles(archive, "job 1", () => true, 2 * MIB)).toThrow(
      /the artifacts of job 1 expand to more than 2 MiB: refusing to extract/,
    );
    expect(zipFiles(archive, "job 1", () => true, 3 * MIB).get("out/b.bin")?.length).toBe(MIB);
  });

  it("inflates and counts only the folder asked for", () => {
    const archive = zipSync({
      "elsewhere/big.bin": new Uint8Array(4 * MIB),
      "out/pipeline.yml": strToU8("a: 1\n"),
      "out/sub/x.txt": strToU8("x"),
    });
    const files = filesBelow(archive, "out", "job 2", MIB);
    expect([...files.keys()].sort()).toEqual(["pipeline.yml", "sub/x.txt"]);
    expect(Buffer.from(files.get("pipeline.yml")!).toString()).toBe("a: 1\n");
  });

  it("still refuses an unsafe path outside the folder asked for", () => {
    const archive = zipSync({ "../x": strToU8("x"), "out/a": strToU8("a") });
    expect(() => filesBelow(archive, "out", "job 3")).toThrow(/unsafe path "\.\.\/x"/);
  });

  it("says what it got when it is no zip archive", () => {
    expect(() => zipFiles(strToU8("<html>login</html>"), "job 4")).toThrow(
      /the artifacts of job 4 are not a zip archive/,
    );
  });
});
