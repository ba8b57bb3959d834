import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../common/src/errors.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import type { SpackTarget } from "../src/containers/targets.js";
import { selectionFrom } from "../src/definitions/selection.js";
import { LARGE_LOCK, decisionOf, useWorkflowFixture } from "./workflow-fixture.js";
import { commandsOf } from "../../test/helpers/job-scripts.js";

// The bundled gromacs-analysis.def builds on the gromacs container (Bootstrap: spacktainer).
const { setup, generate, completeJobs } = useWorkflowFixture();
const ANALYSIS_SIF = "create gromacs-analysis sif file for amd64";
const GROMACS_BUILD = "build gromacs container for amd64";
const AFTER_GROMACS = { job: GROMACS_BUILD, artifacts: false };

type Job = { needs: unknown[]; script: string[]; variables: Record<string, string> };

/** Adds `gromacs-plus`, a Spack container whose runtime stage starts from the gromacs image. */
async function addSpackOnSpack(s: Awaited<ReturnType<typeof setup>>) {
  const folder = join(s.repo, "container_definitions/amd64/gromacs-plus");
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, "spack.yaml"),
    "spack:\n  specs:\n    - gromacs\nspacktainer:\n  base: gromacs\n",
  );
  await createJobsIn(s.repo, memoryOutput());
  await mkdir(join(s.locks, "gromacs-plus"), { recursive: true });
  await copyFile(LARGE_LOCK, join(s.locks, "gromacs-plus/spack.lock"));
}

describe("containers built on other containers", () => {
  it("a .def on one of ours: waits for that build, reads it with the registry credentials, starts from its tag", async () => {
    const s = await setup();
    const { doc, outputDir, decisions } = await generate(s.repo);
    const job = doc[ANALYSIS_SIF] as Job;
    expect(job.needs).toContainEqual(AFTER_GROMACS);
    const gromacs = decisionOf(decisions, "gromacs").target as SpackTarget;
    const ref = `${gromacs.repository}:${gromacs.tag}`;
    expect(commandsOf(job)[0]).toBe(
      `sed -i "5s|.*|From: ${ref}|" spacktainer.artifacts.amd64/gromacs-analysis/gromacs-analysis.def`,
    );
    expect(job.variables).toMatchObject({
      APPTAINER_DOCKER_USERNAME: "$REG_USER",
      APPTAINER_DOCKER_PASSWORD: "$REG_PASSWORD",
    });
    const def = await readFile(join(outputDir, "gromacs-analysis/gromacs-analysis.def"), "utf8");
    expect(def.split("\n").slice(3, 5)).toEqual(["Bootstrap: docker", `From: ${ref}`]);
    // Tagged after the version of the container it builds on.
    expect(decisionOf(decisions, "gromacs-analysis").target.tag).toBe("2023.3__amd64");
  });

  it("a changed base rebuilds what builds on it; a current base is not waited for", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    expect((await generate(s.repo)).jobs).toEqual(["containers of amd64 are up to date"]);

    await writeFile(
      join(s.repo, "container_definitions/amd64/gromacs/Dockerfile.epilogue"),
      "ENV OMP_NUM_THREADS=2\n",
    );
    const changed = await generate(s.repo);
    expect(changed.jobs).toContain(GROMACS_BUILD);
    expect(changed.jobs).toContain(ANALYSIS_SIF);
    // The plan names the input that changed: gromacs's definition, and for the .def on it,
    // the container it builds on.
    expect(changed.log).toMatch(
      /gromacs:2023\.3: build \(image differs: .* \(changed: its definition\)\); SIF \(made from the new image\)/,
    );
    expect(changed.log).toMatch(
      /gromacs-analysis:2023\.3__amd64: .*SIF file differs: .* \(changed: the container it builds on\)/,
    );

    // Only the analysis SIF file is missing: it needs no build of gromacs.
    await completeJobs(s, changed.decisions);
    await s.store.deleteBatch([decisionOf(changed.decisions, "gromacs-analysis").target.sifKey]);
    const sifOnly = await generate(s.repo);
    expect(sifOnly.jobs.filter((j) => !j.startsWith("deploy"))).toEqual([ANALYSIS_SIF]);
    expect((sifOnly.doc[ANALYSIS_SIF] as Job).needs).not.toContainEqual(AFTER_GROMACS);
  });

  it("a Spack container on another: its runtime stage is that image, its build waits for that build", async () => {
    const s = await setup();
    await addSpackOnSpack(s);
    const { doc, decisions } = await generate(s.repo);
    const gromacs = decisionOf(decisions, "gromacs").target as SpackTarget;
    const job = doc["build gromacs-plus container for amd64"] as Job;
    expect(job.needs).toContainEqual(AFTER_GROMACS);
    expect(commandsOf(job).at(-2)).toContain(
      `--build-arg "RUNTIME_IMAGE=${gromacs.repository}:${gromacs.tag}"`,
    );
    expect(commandsOf(doc[GROMACS_BUILD] as Job).at(-2)).toMatch(/RUNTIME_IMAGE=[^ ]*\/runtime:/);
  });

  it("--only takes what the named container builds on, and says so", async () => {
    const s = await setup();
    const { jobs, log } = await generate(s.repo, {
      selection: selectionFrom({ only: "gromacs-analysis" }),
    });
    expect(jobs).toContain(GROMACS_BUILD);
    expect(jobs).toContain(ANALYSIS_SIF);
    expect(jobs).not.toContain("create nexus-storage sif file for amd64");
    expect(log).not.toContain("nexus-storage");
  });

  it("refuses an unknown base and a cycle, naming file and line of each edge", async () => {
    const s = await setup();
    const analysis = join(s.repo, "container_definitions/amd64/gromacs-analysis.def");
    await writeFile(analysis, "Bootstrap: spacktainer\nFrom: gromac\n");
    const unknown = await generate(s.repo).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InputError);
    expect(String(unknown)).toContain(
      'container_definitions/amd64/gromacs-analysis.def:2: no container "gromac" to build on in amd64; its Spack containers: gromacs',
    );

    await writeFile(analysis, "Bootstrap: docker\nFrom: busybox:1\n");
    await addSpackOnSpack(s);
    const gromacs = join(s.repo, "container_definitions/amd64/gromacs/spack.yaml");
    await writeFile(gromacs, `${await readFile(gromacs, "utf8")}  base: gromacs-plus\n`);
    const cycle = await generate(s.repo).catch((e: unknown) => e);
    expect(String(cycle)).toMatch(
      /containers build on each other in a cycle: gromacs on gromacs-plus \(container_definitions\/amd64\/gromacs\/spack\.yaml:\d+\), gromacs-plus on gromacs \(container_definitions\/amd64\/gromacs-plus\/spack\.yaml:5\)/,
    );
  });
});
