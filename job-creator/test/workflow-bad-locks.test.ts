import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { addLocks, exampleRepo, workflowArgs } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const jc = (args: readonly string[]) => runCaptured(buildProgram(), args);

/*
 * Containers are read several at a time: what a run reports must not depend on which
 * finished first.
 */
describe("generate-spacktainer-workflow with bad lock files", () => {
  it("reports every container's bad lock file, in container order, exit 2, nothing written", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    // Three Spack containers on amd64: one lock is not JSON, one is missing, one is fine.
    for (const name of ["zlib-app", "aaa-tool"])
      await writeFile(
        join(repo, `container_definitions/amd64/${name}.yaml`),
        "spack:\n  specs:\n    - zlib@1.3\n",
      );
    await mkdir(join(locks, "aaa-tool"));
    await writeFile(join(locks, "aaa-tool", "spack.lock"), "{ not json");
    await rm(join(locks, "zlib-app"), { recursive: true, force: true });
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);

    const out = join(repo, "out");
    for (let run = 0; run < 3; run++) {
      const { code, stderr } = await jc(workflowArgs(repo, "amd64", locks, out, "out"));
      expect(code).toBe(2);
      const lines = stderr.split("\n").filter((l) => /spack\.lock: /.test(l));
      expect(lines).toEqual([
        expect.stringMatching(/aaa-tool\/spack\.lock: not JSON/),
        expect.stringMatching(/zlib-app\/spack\.lock: no spack\.lock for container "zlib-app"/),
      ]);
      expect(existsSync(out)).toBe(false);
    }
  });
});
