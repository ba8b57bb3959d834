import { describe, expect, it } from "vitest";
import { describeFailure } from "./cli.js";
import { UserError } from "./errors.js";

describe("describeFailure", () => {
  it("escapes control characters in a user error's message and in a bug's stack, keeping its lines", () => {
    expect(
      describeFailure(new UserError("bad \x1b]52;c;cGF5bG9hZA==\x07 here\n\tand here"), false),
    ).toEqual({
      code: 1,
      text: "error: bad \\u001b]52;c;cGF5bG9hZA==\\u0007 here\n\tand here",
    });
    const bug = describeFailure(new Error("odd\x1b[2J"), false);
    expect(bug.code).toBe(1);
    expect(bug.text).toMatch(/^Error: odd\\u001b\[2J\n/);
  });
});
