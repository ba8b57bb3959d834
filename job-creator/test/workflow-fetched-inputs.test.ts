import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useWorkflowFixture } from "./workflow-fixture.js";
import { commandsOf } from "../../test/helpers/job-scripts.js";

// The bundled gromacs example fetches one licensed file (spacktainer.fetch).
const { setup, generate, completeJobs } = useWorkflowFixture();
const BUILD = "build gromacs container for amd64";
const URL = "s3://spacktainers-licensed/forcefields/charmm36-jul2022.ff.tgz";

describe("containers with fetched inputs", () => {
  it("fetch and verify each input first in the build job, by variable names, never in the context", async () => {
    const s = await setup();
    const { doc, outputDir } = await generate(s.repo);
    const job = doc[BUILD] as { script: string[]; variables: Record<string, string> };
    const commands = commandsOf(job);
    // After the login, before the build.
    expect(commands[1]).toBe(
      `sh spacktainer/fetch-input.sh ${URL} 6c1b3b9a3e9d1f0f2a4c8e7d5b6a9c0e1f2d3c4b5a697887a6b5c4d3e2f1a0b9 spacktainer.artifacts.amd64/gromacs/inputs/0/charmm36-jul2022.ff.tgz`,
    );
    expect(commands[2]).toMatch(/^buildah build /);
    // The fixture configures no `inputs:`: the default key pair names.
    expect(job.variables).toMatchObject({
      SPACKTAINERS_INPUTS_ENDPOINT: "https://s3.amazonaws.com",
      SPACKTAINERS_INPUTS_REGION: "us-east-1",
      SPACKTAINERS_INPUTS_KEY_ID: "$AWS_ACCESS_KEY_ID",
      SPACKTAINERS_INPUTS_SECRET_KEY: "$AWS_SECRET_ACCESS_KEY",
    });
    const dockerfile = await readFile(join(outputDir, "gromacs/Dockerfile"), "utf8");
    expect(dockerfile).toContain(
      'COPY ["inputs/0/charmm36-jul2022.ff.tgz","/opt/forcefields/charmm36-jul2022.ff.tgz"]',
    );
    // The artifacts never hold the file: it exists only inside the build job.
    await expect(access(join(outputDir, "gromacs/inputs"))).rejects.toThrow();
  });

  it("rebuilds image and SIF file when an input's sha256 changes", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const definition = join(s.repo, "container_definitions/amd64/gromacs/spack.yaml");
    const text = await readFile(definition, "utf8");
    await writeFile(definition, text.replace(/sha256: [0-9a-f]{64}/, `sha256: ${"e".repeat(64)}`));
    const after = await generate(s.repo);
    expect(after.jobs).toContain(BUILD);
    expect(after.jobs).toContain("create gromacs sif file for amd64");
    expect(after.log).toMatch(
      /image differs: org\.spacktainers\.container\.checksum \S+ -> \S+ \(changed: its definition; the files it fetches\)/,
    );
  });
});
