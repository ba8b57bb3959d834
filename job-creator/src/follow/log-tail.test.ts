import { describe, expect, it } from "vitest";
import {
  advanceLog,
  cleanLine,
  forTerminal,
  isFinished,
  LOG_START,
  withoutColours,
} from "./log-tail.js";

describe("advanceLog", () => {
  it("prints each whole line once, as the log grows", () => {
    const first = advanceLog(LOG_START, "one\ntw", false);
    expect(first.lines).toEqual(["one"]);
    const second = advanceLog(first.tail, "one\ntwo\nthree\n", false);
    expect(second.lines).toEqual(["two", "three"]);
    const unchanged = advanceLog(second.tail, "one\ntwo\nthree\n", false);
    expect(unchanged.lines).toEqual([]);
  });

  it("prints the unfinished last line when the job has finished", () => {
    const running = advanceLog(LOG_START, "a\nb", false);
    expect(advanceLog(running.tail, "a\nbc", true).lines).toEqual(["bc"]);
    expect(advanceLog(LOG_START, "a\nb\n", true).lines).toEqual(["a", "b"]);
  });

  it("starts again when the log was erased", () => {
    const long = advanceLog(LOG_START, "x\ny\nz\n", false);
    expect(advanceLog(long.tail, "new\n", false).lines).toEqual([
      "(the log was erased and starts again)",
      "new",
    ]);
  });
});

describe("cleanLine", () => {
  it.each([
    [
      "\x1b[0Ksection_start:1733200000:build[collapsed=true]\r\x1b[0K\x1b[36;1mBuild\x1b[0m",
      "\x1b[36;1mBuild\x1b[0m",
    ],
    ["\x1b[0Ksection_end:1733200001:build\r\x1b[0K", ""],
    ["10%\r50%\r100%", "100%"],
    ["plain", "plain"],
  ])("%j -> %j", (raw, shown) => {
    expect(cleanLine(raw)).toBe(shown);
  });

  it("drops colours for plain output", () => {
    expect(withoutColours("\x1b[31;1mfailed\x1b[0m in step")).toBe("failed in step");
  });

  it.each([
    ["a clipboard write (OSC 52)", "a\x1b]52;c;ZXZpbA==\x07b", "ab"],
    ["a window title", "a\x1b]0;owned\x1b\\b", "ab"],
    ["a screen clear", "a\x1b[2Jb", "ab"],
    ["a bell and a backspace", "a\x07\x08b", "ab"],
  ])("shows no terminal control a job printed: %s", (_name, raw, shown) => {
    expect(withoutColours(raw)).toBe(shown);
    expect(forTerminal(raw)).toBe(shown);
    expect(forTerminal(`\x1b[32m${raw}\x1b[0m`)).toBe(`\x1b[32m${shown}\x1b[0m`);
  });
});

describe("isFinished", () => {
  it.each([
    ["success", true],
    ["failed", true],
    ["canceled", true],
    ["manual", true],
    ["running", false],
    ["pending", false],
    ["created", false],
    ["waiting_for_resource", false],
  ])("%s: %s", (status, finished) => {
    expect(isFinished(status)).toBe(finished);
  });
});
