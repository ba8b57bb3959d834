import { UserError } from "../../../common/src/errors.js";
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
  const result = await run("git", ["ls-remote", "--", repository, ...patterns], {
    timeoutMs: 60_000,
  });
  if (result.code !== 0) {
    throw new UserError(
      `git ls-remote ${repository} failed (exit ${result.code}): ${result.stderr.trim().split("\n").at(-1) ?? ""}; ${hint}`,
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
