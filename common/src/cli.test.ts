import { describe, expect, it, vi } from "vitest";
import { consoleOutput, describeFailure, retryNotes } from "./cli.js";
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

describe("consoleOutput", () => {
  it("writes each line with its control characters escaped, keeping line breaks and tabs", () => {
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, "write").mockImplementation((text) => (written.push(String(text)), true));
    try {
      // A runner's description, a label: what a server held, quoted in a line.
      consoleOutput.out("runner \x1b[8mhidden\x1b[0m\tonline\nnext");
      consoleOutput.err("warning: \x1b]52;c;cm0=\x07");
    } finally {
      vi.restoreAllMocks();
    }
    expect(written).toEqual([
      "runner \\u001b[8mhidden\\u001b[0m\tonline\nnext\n",
      "warning: \\u001b]52;c;cm0=\\u0007\n",
    ]);
  });
});

describe("retryNotes", () => {
  const note = (target: string, delayMs = 500) => ({
    target,
    reason: "HTTP 429",
    attempt: 2,
    delayMs,
    budgetMs: 180_000,
  });

  it("prints the first retry at once, then at most one line per interval, counting the others", () => {
    const clock = { now: 0 };
    const lines: string[] = [];
    const notify = retryNotes(
      (line) => lines.push(line),
      10_000,
      () => clock.now,
    );
    notify(note("https://r.example/v2/a/manifests/1"));
    for (let i = 0; i < 40; i++) notify(note("https://r.example/v2/b/manifests/1"));
    clock.now = 9_999;
    notify(note("https://r.example/v2/c/manifests/1"));
    clock.now = 10_000;
    notify(note("s3://cache at http://127.0.0.1:9000", 12_400));
    expect(lines).toEqual([
      "retrying https://r.example/v2/a/manifests/1: HTTP 429; attempt 2 in 0.5 s, within a retry budget of 180 s",
      "retrying s3://cache at http://127.0.0.1:9000: HTTP 429; attempt 2 in 12 s, within a retry budget of 180 s; 41 other retries since the last note",
    ]);
  });
});
