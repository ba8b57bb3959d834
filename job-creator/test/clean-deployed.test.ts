import { lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../common/src/run.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { runCaptured } from "../../test/helpers/program.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { cleanDeployed } from "../src/commands/clean-deployed.js";
import { buildProgram } from "../src/program.js";
import { bareRemote } from "./clean-branches-fixture.js";

// jc clean-deployed on a deploy runner: the deploy folder is a local folder here.

async function world(branches: string[]) {
  const dir = await tempDir();
  const remote = await bareRemote(dir, branches);
  const folder = join(dir, "deployed");
  await mkdir(folder);
  const containers = { bucket: "unused" };
  await writeFile(
    join(dir, "spacktainers.config.yaml"),
    dump({
      architectures: {
        amd64: {
          ...testArchitecture("x86", containers),
          deploy: { runnerTags: ["cluster"], path: folder },
        },
        arm64: testArchitecture("arm", containers),
      },
    }),
  );
  const clean = (dryRun: boolean, output = memoryOutput()) =>
    cleanDeployed(
      { repoRoot: dir, configFile: "spacktainers.config.yaml", arch: "amd64", remote, dryRun },
      runProcess,
      output,
    );
  return { dir, folder, clean };
}

describe("jc clean-deployed", () => {
  it("deletes the copies of deleted branches, and nothing else in or outside the folder", async () => {
    const { dir, folder, clean } = await world(["Feature/Live"]);
    const files = [
      "gromacs__2023.3.sif",
      "gromacs__2023.3-arm64.sif",
      "gromacs__2023.3__feature-live.sif",
      "gromacs__2023.3__gone.sif",
      "gromacs-analysis__2023.3__gone__amd64.sif",
      "README.txt",
    ];
    for (const file of files) await writeFile(join(folder, file), file);
    // A link named like a gone branch's copy, to a file outside: neither is touched.
    await mkdir(join(dir, "outside"));
    await writeFile(join(dir, "outside/victim.sif"), "precious");
    await symlink(join(dir, "outside/victim.sif"), join(folder, "linked__1.0__gone.sif"));
    await mkdir(join(folder, "folder__1.0__gone.sif"));

    const dry = memoryOutput();
    await clean(true, dry);
    expect((await readdir(folder)).length).toBe(files.length + 2);
    expect(dry.lines).toContain(
      `would delete ${join(folder, "gromacs__2023.3__gone.sif")} (branch gone is gone)`,
    );

    const { deleted } = await clean(false);
    expect(deleted.sort()).toEqual([
      join(folder, "gromacs-analysis__2023.3__gone__amd64.sif"),
      join(folder, "gromacs__2023.3__gone.sif"),
    ]);
    expect((await readdir(folder)).sort()).toEqual(
      [
        ...files.filter((f) => !f.includes("__gone")),
        "folder__1.0__gone.sif",
        "linked__1.0__gone.sif",
      ].sort(),
    );
    expect(await readFile(join(dir, "outside/victim.sif"), "utf8")).toBe("precious");
    expect((await lstat(join(folder, "linked__1.0__gone.sif"))).isSymbolicLink()).toBe(true);
  });

  it("fails clearly when the deploy folder is not there", async () => {
    const { folder, clean } = await world([]);
    await rm(folder, { recursive: true });
    await expect(clean(false)).rejects.toThrow(
      /the deploy folder .* does not exist on this runner: is the shared filesystem mounted\?/,
    );
  });

  it.each<[string, string[], RegExp]>([
    [
      "an arch without deploy",
      ["--arch", "arm64"],
      /architectures\.arm64 has no deploy: there is nothing to clean/,
    ],
    ["an unknown arch", ["--arch", "ppc64le"], /--arch ppc64le is not configured/],
  ])("refuses %s with exit 2", async (_name, args, message) => {
    const { dir } = await world([]);
    const result = await runCaptured(buildProgram(), ["clean-deployed", ...args, "--repo", dir]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });
});
