import { execFile } from "node:child_process";
import { UserError } from "./errors.js";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (never through a shell); the one place subprocesses start. */
export type Runner = (
  command: string,
  args: readonly string[],
  options?: { timeoutMs?: number; cwd?: string; env?: Readonly<Record<string, string>> },
) => Promise<RunResult>;

export const runProcess: Runner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        cwd: options.cwd,
        ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          // The program is missing or cannot start: the machine, not the input, needs fixing.
          reject(new UserError(`cannot run ${command}: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
