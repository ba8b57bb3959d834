import type { LiveJob, LivePipeline } from "../gitlab/pipelines-api.js";
import { forTerminal, isFinished, withoutColours } from "./log-tail.js";

/** What following a pipeline reports, as it happens. */
export interface FollowReport {
  /** A pipeline joined the follow: the one followed, or a child a bridge started. */
  pipeline(label: string, pipeline: LivePipeline): void;
  /** A job appeared or changed status. */
  status(job: LiveJob): void;
  /** New whole lines of a job's log. */
  log(job: LiveJob, lines: readonly string[]): void;
  /** The followed pipeline ended (or following stopped); `note` says why it stopped early. */
  end(pipeline: LivePipeline, note?: string): void;
}

const SYMBOL: Readonly<Record<string, string>> = {
  success: "✔",
  failed: "✖",
  canceled: "⊘",
  skipped: "»",
  manual: "⚙",
  running: "●",
};
const COLOUR: Readonly<Record<string, string>> = { success: "32", failed: "31", running: "36" };
const paint = (status: string, text: string) =>
  COLOUR[status] ? `\x1b[${COLOUR[status]}m${text}\x1b[0m` : text;

/** For CI logs and pipes: plain lines, one per status change and per log line, no colours. */
export function plainReport(write: (line: string) => void): FollowReport {
  return {
    pipeline: (label, p) => {
      write(`pipeline ${p.id} (${label}): ${p.status} ${p.webUrl}`);
    },
    status: (job) => {
      write(`${job.name}: ${job.status}`);
    },
    log: (job, lines) => {
      for (const line of lines) write(`${job.name} | ${withoutColours(line)}`);
    },
    end: (p, note) => {
      write(note ?? `pipeline ${p.id} ${p.status}: ${p.webUrl}`);
    },
  };
}

/** At most this many lines stay at the bottom of the terminal. */
const LIVE_LINES = 15;

/**
 * For a terminal: one line per job. The jobs still to finish stay at the bottom, redrawn in
 * place as their status changes; a finished job's line and every log line scroll above them.
 */
export function terminalReport(
  write: (text: string) => void,
): FollowReport & { readonly notice: (line: string) => void } {
  const open = new Map<number, LiveJob>();
  let drawn = 0;
  const redraw = (above: readonly string[]) => {
    const jobs = [...open.values()];
    // A block taller than the screen could not be taken back: the running jobs first, the
    // rest counted.
    jobs.sort((a, b) => Number(b.status === "running") - Number(a.status === "running"));
    const shown = jobs.length > LIVE_LINES ? jobs.slice(0, LIVE_LINES - 1) : jobs;
    const lines = [
      ...shown.map(
        (job) => `  ${SYMBOL[job.status] ?? "○"} ${job.name}  ${paint(job.status, job.status)}`,
      ),
      ...(shown.length < jobs.length
        ? [`  … and ${jobs.length - shown.length} more jobs to finish`]
        : []),
    ];
    // Up to the first line of the block, clear to the end of the screen, then write anew.
    const erase = drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : "";
    write(erase + [...above, ...lines].map((l) => `${l}\n`).join(""));
    drawn = lines.length;
  };
  return {
    pipeline: (label, p) => {
      redraw([`pipeline ${p.id} (${label}): ${p.webUrl}`]);
    },
    status: (job) => {
      if (!isFinished(job.status)) {
        open.set(job.id, job);
        redraw([]);
        return;
      }
      open.delete(job.id);
      redraw([`${paint(job.status, SYMBOL[job.status] ?? "○")} ${job.name}  ${job.status}`]);
    },
    log: (job, lines) => {
      // A colour the job left open ends with its line.
      redraw(lines.map((line) => `\x1b[2m${job.name} |\x1b[0m ${forTerminal(line)}\x1b[0m`));
    },
    // A line of the command's own (a retry note) scrolls above the block like a log line: a
    // line written to the terminal behind the block's back would be half erased by the next
    // redraw.
    notice: (line) => {
      redraw([line]);
    },
    end: (p, note) => {
      open.clear();
      redraw([note ?? `pipeline ${p.id} ${paint(p.status, p.status)}: ${p.webUrl}`]);
    },
  };
}
