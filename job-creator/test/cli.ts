import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { runAsync, type ProcessResult } from "../../test/helpers/process.js";

// Absolute, so the loader is found whatever the test's working directory.
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

const jcArgs = (args: readonly string[]) => [
  "--import",
  TSX_LOADER,
  join(REPO_ROOT, "job-creator/src/main.ts"),
  ...args,
];
// The branch variables of the CI running the tests must not leak into the commands under test.
const childEnv = (env: Record<string, string>) => ({
  ...process.env,
  CI_COMMIT_REF_NAME: "",
  CI_DEFAULT_BRANCH: "",
  ...env,
});

/** Runs the real `jc` entry point (from source) and returns its exit code and output. */
export function runJc(
  args: readonly string[],
  cwd = REPO_ROOT,
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, jcArgs(args), {
    cwd,
    encoding: "utf8",
    env: childEnv(env),
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking: for tests whose servers run in the test process itself. */
export function runJcAsync(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  return runAsync(process.execPath, jcArgs(args), { cwd, env: childEnv(env) });
}

/** The real `jc` as a child process a test can signal (Ctrl-C), and its output as it comes. */
export function spawnJc(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, jcArgs(args), { cwd: REPO_ROOT, env: childEnv(env) });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code, signal) => {
      resolve(code ?? (signal ? 128 : -1));
    }),
  );
  return { child, output, exited };
}
