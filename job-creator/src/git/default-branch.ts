import type { Runner } from "../../../common/src/run.js";

/** The project's default branch and where that answer came from, for the plan. */
export interface DefaultBranch {
  readonly name: string;
  readonly source: string;
}

/**
 * The default branch when GitLab does not say (CI_DEFAULT_BRANCH): the branch the clone's
 * `origin/HEAD` points at, else `main`. Used for local previews such as
 * `jc create-jobs --plan --branch feature/x`, which must not plan as the default branch.
 */
export async function readDefaultBranch(run: Runner, repo: string): Promise<DefaultBranch> {
  const result = await run(
    "git",
    ["-C", repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"],
    {
      timeoutMs: 10_000,
    },
  ).catch(() => undefined);
  const ref = result?.code === 0 ? result.stdout.trim() : "";
  if (ref.startsWith("origin/") && ref.length > "origin/".length)
    return { name: ref.slice("origin/".length), source: "origin/HEAD of the clone" };
  return { name: "main", source: "assumed: no CI_DEFAULT_BRANCH and no origin/HEAD" };
}

/** The branch the clone has checked out, or undefined (detached, or no git repository). */
export async function readCurrentBranch(run: Runner, repo: string): Promise<string | undefined> {
  const result = await run("git", ["-C", repo, "symbolic-ref", "--quiet", "--short", "HEAD"], {
    timeoutMs: 10_000,
  }).catch(() => undefined);
  const name = result?.code === 0 ? result.stdout.trim() : "";
  return name || undefined;
}
