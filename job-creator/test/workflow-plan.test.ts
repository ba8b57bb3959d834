import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../common/src/run.js";
import { workflowOptions } from "../../test/helpers/generate.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { generateSpacktainerWorkflow } from "../src/commands/generate-workflow.js";
import { onlineWorkflowServices } from "../src/commands/online-services.js";
import { FAST, SECRETS, useWorkflowFixture } from "./workflow-fixture.js";

const { setup, generate, completeJobs } = useWorkflowFixture();

/** `jc generate-spacktainer-workflow` with a selection (`--only`, `--force`) and as a plan. */
describe("the container workflow, selected and planned", () => {
  it("--force rebuilds current containers; --only leaves the others out; unknown names are refused", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const forced = await generate(s.repo, {
      selection: { only: ["gromacs"], force: ["gromacs"], rebuildPackages: false },
    });
    expect(forced.jobs.sort()).toEqual([
      "archive replaced images for amd64",
      "build gromacs container for amd64",
      "create gromacs sif file for amd64",
      "deploy gromacs sif file for amd64",
      "publish gromacs to public for amd64",
    ]);
    expect(forced.log).toContain("gromacs:2023.3: build (forced (--force))");
    const only = await generate(s.repo, {
      selection: { only: ["nexus-storage"], force: [], rebuildPackages: false },
    });
    expect(only.jobs).toEqual(["containers of amd64 are up to date"]);
    expect(only.log).not.toContain("gromacs");
    await expect(
      generate(s.repo, { selection: { only: ["gromac"], force: [], rebuildPackages: false } }),
    ).rejects.toThrow(/--only: no gromac among the containers \(did you mean gromacs\?\)/);
  });

  it("--plan prints each container's steps and why (--json for scripts) and writes nothing", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const output = memoryOutput();
    const outputDir = join(s.repo, "never-written");
    await generateSpacktainerWorkflow(
      workflowOptions(s.repo, {
        outputDir,
        lockDir: join(s.repo, "jobs_scratch_dir.amd64"),
        planOnly: true,
        json: true,
        selection: { force: ["nexus-storage"], rebuildPackages: false },
      }),
      onlineWorkflowServices(SECRETS, runProcess, FAST),
      output,
    );
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
    const plan = JSON.parse(output.lines.join("\n")) as {
      name: string;
      build: string | null;
      sif: string | null;
      deploy: string | null;
      upToDate: string[];
    }[];
    expect(plan.map((d) => [d.name, d.build, d.sif, d.deploy])).toEqual([
      ["gromacs", null, null, null],
      ["gromacs-analysis", null, null, null],
      ["nexus-storage", null, "forced (--force)", "a new SIF file"],
    ]);
    expect(plan[0]!.upToDate).toContain("image 2023.3: labels match");
  });
});
