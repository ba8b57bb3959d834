import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../../test/helpers/paths.js";

// Absolute, so the loader is found whatever the test's working directory.
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** Runs the real `jc` entry point (from source) and returns its exit code and output. */
export function runJc(args: readonly string[], cwd = REPO_ROOT): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", TSX_LOADER, join(REPO_ROOT, "job-creator/src/main.ts"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI_COMMIT_REF_NAME: "", CI_DEFAULT_BRANCH: "" },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
