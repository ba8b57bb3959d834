import { UserError } from "../../../common/src/errors.js";
import { redactText } from "../../../common/src/redact.js";
import type { Runner } from "../../../common/src/run.js";

/**
 * The refs a remote repository has (ref name -> commit), from `git ls-remote`: no clone,
 * one round trip. `hint` tells the user what to check when git fails.
 */
export async function lsRemote(
  run: Runner,
  repository: string,
  patterns: readonly string[],
  hint: string,
): Promise<Map<string, string>> {
  // No prompt for a password: in a job it would wait until the timeout.
  const result = await run(
    "git",
    ["-c", "credential.interactive=never", "ls-remote", "--", repository, ...patterns],
    {
      timeoutMs: 60_000,
      env: { GIT_TERMINAL_PROMPT: "0" },
    },
  );
  if (result.code !== 0) {
    // git's first "fatal:" line says what went wrong; the lines after it are generic advice.
    const lines = result.stderr
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const reason = (lines.find((l) => l.startsWith("fatal:")) ?? lines[0] ?? "no message")
      .replace(/^fatal:\s*/, "")
      .replace(/[.:]\s*$/, "");
    throw new UserError(
      `git ls-remote ${redactText(repository)} failed (exit ${result.code}): ${redactText(reason)}; ${hint}`,
    );
  }
  return new Map(
    result.stdout
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(
        (parts): parts is [string, string] =>
          parts.length === 2 && /^[0-9a-f]{40,64}$/.test(parts[0]!),
      )
      .map(([sha, ref]) => [ref, sha]),
  );
}
