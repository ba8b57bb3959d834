import { describe, expect, it } from "vitest";
import { describeFailure, escapeControls } from "./cli.js";
import { UserError } from "./errors.js";

describe("escapeControls", () => {
  it.each([
    ["plain text", "plain text"],
    ["lines\n\tand tabs stay", "lines\n\tand tabs stay"],
    ["\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"],
    ["over\rwrite", "over\\u000dwrite"],
    ["bell\x07, nul\x00, del\x7f, csi\x9b", "bell\\u0007, nul\\u0000, del\\u007f, csi\\u009b"],
    ["é ü — ✓", "é ü — ✓"],
  ])("%j -> %j", (text, shown) => {
    expect(escapeControls(text)).toBe(shown);
  });
});

describe("describeFailure", () => {
  it("escapes control characters in a user error's message and in a bug's stack", () => {
    expect(describeFailure(new UserError("bad \x1b]52;c;cGF5bG9hZA==\x07 here"), false)).toEqual({
      code: 1,
      text: "error: bad \\u001b]52;c;cGF5bG9hZA==\\u0007 here",
    });
    const bug = describeFailure(new Error("odd\x1b[2J"), false);
    expect(bug.code).toBe(1);
    expect(bug.text).toMatch(/^Error: odd\\u001b\[2J\n/);
  });
});
