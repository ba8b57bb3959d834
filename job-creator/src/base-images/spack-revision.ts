import { UserError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import { lsRemote } from "../git/ls-remote.js";
import type { SpackRevision } from "./inputs.js";

/** Asks the Spack repository which commit the configured branch (or tag) points at. */
export async function readSpackRevision(
  run: Runner,
  repository: string,
  branch: string,
): Promise<SpackRevision> {
  const byRef = await lsRemote(
    run,
    repository,
    [`refs/heads/${branch}`, `refs/tags/${branch}`],
    "check spack.repository, or use --offline",
  );
  for (const ref of [`refs/heads/${branch}`, `refs/tags/${branch}^{}`, `refs/tags/${branch}`]) {
    const commit = byRef.get(ref);
    if (commit) return { commit, branch };
  }
  throw new UserError(
    `${repository} has no branch or tag "${branch}": check spack.branch in the configuration`,
  );
}
