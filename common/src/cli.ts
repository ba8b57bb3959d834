import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DEFAULT_HTTP_POLICY, type HttpPolicy, type RetryNote } from "./http.js";
import { InputError, UserError } from "./errors.js";
import { escapeControls } from "./control-characters.js";
import { checkProxyEnvironment } from "./proxy.js";

/** Where a command prints; tests pass their own sink and read it back. */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * The console, with control characters escaped (line breaks and tabs kept): warnings and
 * plan lines quote what buckets, registries and files held. (`jc watch` draws its coloured
 * view in a terminal on its own.)
 */
export const consoleOutput: Output = {
  out: (line) => process.stdout.write(escapeControls(line, { keepLines: true }) + "\n"),
  err: (line) => process.stderr.write(escapeControls(line, { keepLines: true }) + "\n"),
};

/** Maps a thrown value to the exit code and message a user should see. */
export function describeFailure(error: unknown, debug: boolean): { code: number; text: string } {
  if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, text: "" };
  if (error instanceof UserError) {
    const cause =
      debug && error.cause instanceof Error ? `\n${error.cause.stack ?? error.cause.message}` : "";
    return {
      code: error.exitCode,
      text: escapeControls(`error: ${error.message}${cause}`, { keepLines: true }),
    };
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    code: 1,
    text: `${escapeControls(stack, { keepLines: true })}\nThis is a bug in spacktainers: please report it with the output above.`,
  };
}

/**
 * Parses argv and runs the command, returning the exit code and the error text instead of
 * exiting: what `runMain` does, for tests that run a whole program in-process.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
): Promise<{ code: number; text: string }> {
  // Commander copies settings into subcommands when they are created, so set each one.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return { code: 0, text: "" };
  } catch (error) {
    return describeFailure(error, argv.includes("--debug"));
  }
}

/** The only place that exits the process: parse argv, run, map errors to exit codes. */
export async function runMain(
  program: Command,
  argv: readonly string[] = process.argv,
): Promise<void> {
  // A reader that stops early (`jc create-jobs --plan | head -1`) ends us quietly, as it
  // ends any Unix tool, instead of an EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) =>
      process.exit(error.code === "EPIPE" ? 0 : 1),
    );
  // The AWS SDK warns on every run under Node 20 about its own releases of 2027; the SDK
  // version is pinned by the lock file and `engines` says which Node versions we support.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const { code, text } = environmentFailure() ?? (await runProgram(program, argv));
  if (text) process.stderr.write(text + "\n");
  if (code !== 0) process.exit(code);
}

/** What every tool's transport reads from the environment, checked before any command runs. */
function environmentFailure(): { code: number; text: string } | undefined {
  try {
    checkProxyEnvironment(process.env);
    return undefined;
  } catch (error) {
    return describeFailure(error, false);
  }
}

/**
 * Fails with one message naming every required value that is missing, each labelled with
 * the flag and the variable it may come from, e.g. "--token (GITLAB_API_TOKEN)".
 */
export function requireValues(what: string, values: readonly (readonly [unknown, string])[]): void {
  const missing = values
    .filter(([value]) => value === undefined || value === "")
    .map(([, label]) => label);
  if (missing.length > 0) throw new InputError(`${what} needs ${missing.join(", ")}`);
}

const seconds = (value: string): number => {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`expected whole seconds from 1, got "${value}"`);
  return Number(value) * 1000;
};

/** The options that set an HTTP client's patience, shared by every tool that talks to a server. */
export function httpPolicyOptions(): Option[] {
  return [
    new Option("--timeout <seconds>", "give up on one request after this long (default 30)")
      .env("SPACKTAINERS_HTTP_TIMEOUT")
      .argParser(seconds),
    new Option(
      "--retry-budget <seconds>",
      "keep retrying a rate-limited or failing server this long, honouring Retry-After (default 180)",
    )
      .env("SPACKTAINERS_RETRY_BUDGET")
      .argParser(seconds),
  ];
}

/**
 * The policy those options give (values in ms as parsed), its retries noted by `print`
 * (stderr unless the command logs elsewhere too): one stream of notes per parsed command
 * (per `flags`), whichever of its clients retry.
 */
export function httpPolicyFrom(
  flags: { timeout?: number; retryBudget?: number },
  print: (line: string) => void = consoleOutput.err,
): HttpPolicy {
  let onRetry = retryNotesOf.get(flags);
  if (!onRetry) retryNotesOf.set(flags, (onRetry = retryNotes(print)));
  return {
    ...DEFAULT_HTTP_POLICY,
    ...(flags.timeout ? { timeoutMs: flags.timeout } : {}),
    ...(flags.retryBudget ? { budgetMs: flags.retryBudget } : {}),
    onRetry,
  };
}

const retryNotesOf = new WeakMap<object, (note: RetryNote) => void>();

/** Seconds as a person reads them: 0.4, 2, 12. */
const shownSeconds = (ms: number) =>
  ms >= 10_000 || ms % 1000 === 0 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);

/**
 * Prints a line for a retry, at most one per `intervalMs`, counting those it held back: a
 * rate-limited or unreachable server is seen at once, in a terminal or a CI log, instead of
 * minutes of silence, and 600 lookups retried together are not 600 lines.
 */
export function retryNotes(
  print: (line: string) => void,
  intervalMs = 10_000,
  now: () => number = Date.now,
): (note: RetryNote) => void {
  let printedAt = -Infinity;
  let held = 0;
  return (note) => {
    const time = now();
    if (time - printedAt < intervalMs) {
      held++;
      return;
    }
    printedAt = time;
    const others = held > 0 ? `; ${held} other retries since the last note` : "";
    held = 0;
    print(
      `retrying ${note.target}: ${note.reason}; attempt ${note.attempt} in ${shownSeconds(note.delayMs)} s, within a retry budget of ${shownSeconds(note.budgetMs)} s${others}`,
    );
  };
}

/** A tool's command with what every tool has: `--version`, a description, `--debug`. */
export function toolCommand(name: string, description: string): Command {
  return new Command(name)
    .version(toolVersion(), "-V, --version", "print the version")
    .description(description)
    .option("--debug", "print causes and stack traces of errors");
}

/**
 * The version of this package, for `--version`: the nearest package.json above this file
 * (from the sources and from dist/ alike).
 */
export function toolVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (dirname(dir) === dir) return "unknown";
  }
}
