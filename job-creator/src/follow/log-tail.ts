/**
 * Following a job's log: GitLab's trace endpoint gives the whole log each time, so the
 * follower remembers how far it printed and prints only whole new lines. Pure.
 */

/** How far a job's log was printed: the offset read, and the unfinished line after it. */
export interface LogTail {
  readonly offset: number;
  readonly partial: string;
}

export const LOG_START: LogTail = { offset: 0, partial: "" };

const ESC = String.fromCharCode(27);
/** GitLab's collapsible-section markers (`\e[0Ksection_start:…\r\e[0K`), which a terminal should not see raw. */
const SECTION_MARKER = new RegExp(
  `${ESC}\\[0K(?:section_start|section_end):\\d+:[^\\r\\n]*\\r${ESC}\\[0K`,
  "g",
);
/** Every escape sequence: CSI (`\e[…X`), OSC (`\e]…` to BEL or ST), and two-byte ones. */
const ESCAPES = new RegExp(
  `${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}\\][^\\x07${ESC}]*(?:\\x07|${ESC}\\\\)?|${ESC}[@-Z\\\\-_]`,
  "g",
);
/** C0 control characters but tab, and DEL: a log must not ring, erase or move the cursor. */
const CONTROLS = "[\\x00-\\x08\\x0b-\\x1f\\x7f]";
/** Colours and text styles (SGR) first: the only sequences a job's log may send to a terminal. */
const TERMINAL_TOKENS = new RegExp(`(${ESC}\\[[0-9;]*m)|${ESCAPES.source}|${CONTROLS}`, "g");
const PLAIN_TOKENS = new RegExp(`${ESCAPES.source}|${CONTROLS}`, "g");

/**
 * The whole lines of `log` not printed yet, and where printing stopped. The last line waits
 * until it is complete, or until the job finished. A log shorter than what was printed (it was
 * erased) starts over, said in a line of its own.
 */
export function advanceLog(
  tail: LogTail,
  log: string,
  finished: boolean,
): { lines: string[]; tail: LogTail } {
  const restarted = log.length < tail.offset;
  const from = restarted ? 0 : tail.offset;
  const text = (restarted ? "" : tail.partial) + log.slice(from);
  const pieces = text.split("\n");
  const partial = finished ? "" : pieces.pop()!;
  const lines = pieces.filter((line, i) => !(finished && i === pieces.length - 1 && line === ""));
  return {
    lines: [
      ...(restarted ? ["(the log was erased and starts again)"] : []),
      ...lines.map(cleanLine),
    ],
    tail: { offset: log.length, partial },
  };
}

/** A log line as shown: section markers removed, and of a `\r`-rewritten line its last state. */
export function cleanLine(line: string): string {
  const marked = line.replace(SECTION_MARKER, "");
  const last =
    marked
      .split("\r")
      .filter((part) => part !== "")
      .at(-1) ?? "";
  return last;
}

/** The line without colours or any other terminal control, for a log file or CI. */
export const withoutColours = (line: string) => line.replace(PLAIN_TOKENS, "");

/**
 * The line as a terminal may show it: colours kept, every other escape sequence (cursor
 * movement, window titles, clipboard writes through OSC 52) and control character dropped,
 * whatever the job printed.
 */
export const forTerminal = (line: string) =>
  line.replace(TERMINAL_TOKENS, (_, colour: string | undefined) => colour ?? "");

/** Pipeline and job statuses after which nothing changes without a person. */
const FINISHED = new Set(["success", "failed", "canceled", "skipped", "manual"]);
export const isFinished = (status: string) => FINISHED.has(status);
