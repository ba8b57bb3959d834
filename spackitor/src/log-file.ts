import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { describeFailure, type Output } from "../../common/src/cli.js";
import { writeFailure } from "../../common/src/fs-errors.js";

/**
 * Prints as usual and also appends each line, with a time, to the log file (its folder made),
 * with `failed` adding the run's failure once the log has begun. The run's first line comes
 * before any request: a log that cannot be written then stops the run; one that fails later
 * (a full disk) is warned about once and the run goes on without it, as stopping a prune
 * halfway for its log would leave the bucket's cleaning to the next run.
 */
export function withLogFile(
  output: Output,
  file: string | undefined,
  append: (file: string, text: string) => void = appendFileSync,
): { output: Output; failed: (error: unknown) => void } {
  if (!file) return { output, failed: () => undefined };
  let state: "new" | "open" | "broken" = "new";
  const log = (line: string) => {
    if (state === "broken") return;
    try {
      if (state === "new") mkdirSync(dirname(file), { recursive: true });
      append(file, `${new Date().toISOString()} ${line}\n`);
      state = "open";
    } catch (error) {
      if (state === "new") throw writeFailure(file, error);
      state = "broken";
      const why = (writeFailure(file, error) as Error).message;
      output.err(`warning: ${why}; the run goes on without its log`);
    }
  };
  return {
    output: {
      out: (l) => {
        log(l);
        output.out(l);
      },
      err: (l) => {
        log(l);
        output.err(l);
      },
    },
    failed: (error) => {
      const { text } = describeFailure(error, false);
      if (state === "open" && text) log(text);
    },
  };
}
