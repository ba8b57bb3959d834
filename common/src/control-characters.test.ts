import { describe, expect, it } from "vitest";
import { escapeControls, hasControls } from "./control-characters.js";

describe("escapeControls", () => {
  it.each([
    ["plain text", "plain text"],
    ["lines\n\tand tabs stay", "lines\n\tand tabs stay"],
    ["\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"],
    ["over\rwrite", "over\\u000dwrite"],
    ["bell\x07, nul\x00, del\x7f, csi\x9b", "bell\\u0007, nul\\u0000, del\\u007f, csi\\u009b"],
    ["é ü — ✓", "é ü — ✓"],
  ])("%j -> %j", (text, shown) => {
    expect(escapeControls(text, { keepLines: true })).toBe(shown);
  });

  it("escapes line breaks and tabs too unless asked to keep them", () => {
    expect(escapeControls("a\nb\tc\x1b")).toBe("a\\u000ab\\u0009c\\u001b");
  });
});

describe("hasControls", () => {
  it.each([
    ["plain", false],
    ["é ü — ✓", false],
    ["a\nb", true],
    ["tab\t", true],
    ["\x1b", true],
    ["\x9b", true],
    ["\x7f", true],
  ])("%j: %s", (text, found) => {
    // Twice: a global pattern's state must not carry over between calls.
    expect([hasControls(text), hasControls(text)]).toEqual([found, found]);
  });
});
