import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";
import { git } from "./git.js";

/** The example repository as a clone of a remote whose default branch is `trunk`. */
async function cloneWithDefault(branch: string): Promise<string> {
  const dir = await tempDir();
  const example = await exampleRepo();
  await git(["init", "-b", branch, join(dir, "work")]);
  await cp(example, join(dir, "work"), { recursive: true });
  await git(["add", "-A"], join(dir, "work"));
  await git(["commit", "-m", "examples"], join(dir, "work"));
  await git(["clone", "--bare", join(dir, "work"), join(dir, "remote.git")]);
  await git(["clone", join(dir, "remote.git"), join(dir, "clone")]);
  return join(dir, "clone");
}

const plan = (repo: string, ...args: string[]) =>
  runCaptured(buildProgram(), ["create-jobs", "--plan", "--offline", "-r", repo, ...args]);

describe("the default branch when GitLab does not say", () => {
  it("takes it from the clone's origin/HEAD, so a preview of another branch plans as that branch", async () => {
    const repo = await cloneWithDefault("trunk");
    const feature = await plan(repo, "--branch", "feature/x");
    expect(feature.code, feature.stderr).toBe(0);
    expect(feature.stdout).toContain(
      "branch feature/x (default branch trunk, origin/HEAD of the clone)",
    );
    const trunk = await plan(repo, "--branch", "trunk");
    expect(trunk.stdout).toContain(
      "branch trunk, the default branch trunk, origin/HEAD of the clone",
    );
  });

  it("assumes main without origin/HEAD, and says so", async () => {
    const repo = await exampleRepo();
    const feature = await plan(repo, "--branch", "feature/x");
    expect(feature.stdout).toContain(
      "branch feature/x (default branch main, assumed: no CI_DEFAULT_BRANCH and no origin/HEAD)",
    );
  });

  it("takes --default-branch (CI_DEFAULT_BRANCH) when given", async () => {
    const repo = await exampleRepo();
    const feature = await plan(repo, "--branch", "feature/x", "--default-branch", "feature/x");
    expect(feature.stdout).toContain("plan (branch feature/x, the default branch feature/x)");
  });
});
