import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";
import { runJc } from "./cli.js";

/** The flags that choose what a run builds and plans: read from where users give them, refused when wrong. */
describe("selection and plan flags", () => {
  it("takes the selection from GitLab's Run pipeline variables (spawned jc); unknown names exit 2", async () => {
    const repo = await exampleRepo();
    const bad = runJc(["create-jobs", "--plan", "--offline", "--repo", repo], REPO_ROOT, {
      SPACKTAINERS_ONLY: "gromacs,nope",
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--only: no nope among the containers; known: gromacs, gromacs-analysis, neuron, nexus-storage, py-scientific",
    );
    const forced = runJc(["create-jobs", "--plan", "--offline", "--repo", repo], REPO_ROOT, {
      SPACKTAINERS_ONLY: "gromacs",
      SPACKTAINERS_FORCE: "gromacs",
      SPACKTAINERS_REBUILD_PACKAGES: "true",
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(
      "forced (rebuilt even when current): gromacs; their Spack packages are rebuilt too",
    );
    // A flag beats its variable.
    const flag = runJc(
      ["create-jobs", "--plan", "--offline", "--repo", repo, "--only", "neuron"],
      REPO_ROOT,
      {
        SPACKTAINERS_ONLY: "gromacs",
      },
    );
    expect(flag.stdout).toContain("  containers: neuron");
  });

  it("--json without --plan is refused (exit 2), by both planning commands", async () => {
    for (const args of [
      ["create-jobs", "--offline", "--json"],
      ["generate-spacktainer-workflow", "-a", "amd64", "--offline", "--json", "-o", "x"],
    ]) {
      const { code, stderr } = await runCaptured(buildProgram(), args);
      expect(code).toBe(2);
      expect(stderr).toContain("--json: only with --plan");
    }
  });
});
