import { UserError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import type { SpackRevision } from "./inputs.js";

/**
 * Asks the Spack repository which commit the configured branch (or tag) points at, with
 * `git ls-remote`: no clone, one round trip.
 */
export async function readSpackRevision(
  run: Runner,
  repository: string,
  branch: string,
): Promise<SpackRevision> {
  const refs = [`refs/heads/${branch}`, `refs/tags/${branch}^{}`, `refs/tags/${branch}`];
  const result = await run(
    "git",
    ["ls-remote", "--", repository, `refs/heads/${branch}`, `refs/tags/${branch}`],
    {
      timeoutMs: 60_000,
    },
  );
  if (result.code !== 0) {
    throw new UserError(
      `git ls-remote ${repository} failed (exit ${result.code}): ${result.stderr.trim().split("\n").at(-1) ?? ""}; check spack.repository, or use --offline`,
    );
  }
  const byRef = new Map(
    result.stdout
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(
        (parts): parts is [string, string] =>
          parts.length === 2 && /^[0-9a-f]{40,64}$/.test(parts[0]!),
      )
      .map(([sha, ref]) => [ref, sha]),
  );
  for (const ref of refs) {
    const commit = byRef.get(ref);
    if (commit) return { commit, branch };
  }
  throw new UserError(
    `${repository} has no branch or tag "${branch}": check spack.branch in the configuration`,
  );
}
