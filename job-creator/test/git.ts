import { runProcess } from "../../common/src/run.js";

const IDENTITY = [
  "-c",
  "user.name=test",
  "-c",
  "user.email=test@example.org",
  "-c",
  "init.defaultBranch=develop",
];

export async function git(args: string[], cwd?: string): Promise<string> {
  const result = await runProcess("git", [...IDENTITY, ...args], cwd ? { cwd } : {});
  if (result.code !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A local bare repository standing in for Spack's, with `branch` pointing at a fresh commit. */
export async function createSpackRemote(
  dir: string,
  branch: string,
): Promise<{ url: string; commit: () => Promise<string> }> {
  await git(["init", "--bare", `${dir}/spack.git`]);
  await git(["init", `${dir}/work`]);
  let n = 0;
  const commit = async () => {
    await git(["commit", "--allow-empty", "-m", `commit ${++n}`], `${dir}/work`);
    await git(["push", "--force", `${dir}/spack.git`, `HEAD:refs/heads/${branch}`], `${dir}/work`);
    return git(["rev-parse", "HEAD"], `${dir}/work`);
  };
  await commit();
  return { url: `file://${dir}/spack.git`, commit };
}
