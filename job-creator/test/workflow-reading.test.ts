import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { addLocks, exampleRepo, workflowArgs } from "../../test/helpers/temp-repo.js";
import { workflowOptions } from "../../test/helpers/generate.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { InputError } from "../../common/src/errors.js";
import type { Runner } from "../../common/src/run.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
  type WorkflowServices,
} from "../src/commands/generate-workflow.js";
import { buildProgram } from "../src/program.js";

const jc = (args: readonly string[]) => runCaptured(buildProgram(), args);
const quiet = { out: () => undefined, err: () => undefined };

/** Plans amd64 of `repo` from the lock files in `locks`, with `services` (nothing runs). */
const planWith = (repo: string, locks: string, services: Omit<WorkflowServices, "run">) =>
  generateSpacktainerWorkflow(
    workflowOptions(repo, { lockDir: locks }),
    () => ({ run: () => Promise.reject(new Error("nothing runs")), ...services }),
    quiet,
  );

/** Adds Spack containers to amd64 of the example repository. */
async function addContainers(repo: string, names: readonly string[]) {
  for (const name of names)
    await writeFile(
      join(repo, `container_definitions/amd64/${name}.yaml`),
      "spack:\n  specs:\n    - gromacs\n",
    );
}

/*
 * Containers are read one at a time, each once what it waits on (the container it builds on,
 * a `.def` source's digest) is known: what a run reports must not depend on which finished
 * first, and a lookup in flight must not hold up the others.
 */
describe("how generate-spacktainer-workflow reads containers", () => {
  it("reports every container's bad lock file, in container order, exit 2, nothing written", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    // Four Spack containers on amd64: one lock is not JSON, one is a named pipe (reading it
    // would wait for a writer for ever), one is missing, one is fine.
    await addContainers(repo, ["zlib-app", "aaa-tool", "pipe-app"]);
    await mkdir(join(locks, "aaa-tool"));
    await writeFile(join(locks, "aaa-tool", "spack.lock"), "{ not json");
    await mkdir(join(locks, "pipe-app"));
    execFileSync("mkfifo", [join(locks, "pipe-app", "spack.lock")]);
    await rm(join(locks, "zlib-app"), { recursive: true, force: true });
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);

    const out = join(repo, "out");
    for (let run = 0; run < 3; run++) {
      const { code, stderr } = await jc(workflowArgs(repo, "amd64", locks, out, "out"));
      expect(code).toBe(2);
      const lines = stderr.split("\n").filter((l) => /spack\.lock: /.test(l));
      expect(lines).toEqual([
        expect.stringMatching(/aaa-tool\/spack\.lock: not JSON/),
        expect.stringMatching(
          /pipe-app\/spack\.lock: cannot read: a named pipe, not a regular file/,
        ),
        expect.stringMatching(/zlib-app\/spack\.lock: no spack\.lock for container "zlib-app"/),
      ]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("runs one `spack concretize` at a time when no lock folder is given", async () => {
    const repo = await exampleRepo();
    await addLocks(repo);
    await addContainers(repo, ["zlib-app", "aaa-tool"]);
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    let running = 0;
    let most = 0;
    const concretized: string[] = [];
    // Spack cannot run here: this runner stands in for it and leaves a real lock file.
    const spack: Runner = async (_command, args) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await copyFile(
        join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
        join(args[1]!, "spack.lock"),
      );
      concretized.push(args[1]!.split("/").at(-1)!);
      running--;
      return { code: 0, stdout: "", stderr: "" };
    };
    await generateSpacktainerWorkflow(workflowOptions(repo), offlineWorkflowServices(spack), quiet);
    expect(concretized).toEqual(["aaa-tool", "gromacs", "zlib-app"]);
    expect(most).toBe(1);
  });

  it("prepares the Spack containers while a `.def` source's digest is still asked for", async () => {
    const repo = await exampleRepo();
    await addLocks(repo);
    await addContainers(repo, ["zlib-app"]);
    // First in the reading order, its source looked up online.
    await writeFile(
      join(repo, "container_definitions/amd64/aaa-source.def"),
      "Bootstrap: docker\nFrom: registry.example.org/tools/source:1.0\n",
    );
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const concretized: string[] = [];
    let concretizedWhenAnswered: readonly string[] | undefined;
    const spack: Runner = async (_command, args) => {
      await copyFile(
        join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
        join(args[1]!, "spack.lock"),
      );
      concretized.push(args[1]!.split("/").at(-1)!);
      return { code: 0, stdout: "", stderr: "" };
    };
    // The registry answers once both Spack containers are concretized, or after 3 s: a run
    // that held them up behind the `.def` would have none by then.
    const sourceDigest = async () => {
      for (let waited = 0; concretized.length < 2 && waited < 3000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      concretizedWhenAnswered = [...concretized];
      return `sha256:${"a".repeat(64)}`;
    };
    await generateSpacktainerWorkflow(
      workflowOptions(repo),
      () => ({ run: spack, sourceDigest }),
      quiet,
    );
    expect(concretizedWhenAnswered).toEqual(["gromacs", "zlib-app"]);
    const written = await readFile(
      join(workflowOptions(repo).outputDir, "aaa-source/aaa-source.def"),
      "utf8",
    );
    expect(written).toContain(`From: registry.example.org/tools/source@sha256:${"a".repeat(64)}`);
  });

  it("tells which repositories it will read, `.def` sources included, before the first lookup", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    await writeFile(
      join(repo, "container_definitions/amd64/aaa-source.def"),
      "Bootstrap: docker\nFrom: registry.example.org/tools/source:1.0\n",
    );
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const events: string[] = [];
    await planWith(repo, locks, {
      checks: {
        willRead: (repositories) => events.push(`announced ${[...repositories].sort().join(" ")}`),
        imageLabels: (ref) => Promise.resolve(void events.push(`image ${ref}`)),
        sifMetadata: (_arch, key) => Promise.resolve(void events.push(`sif ${key}`)),
      },
      sourceDigest: ({ registry, repository }) => {
        events.push(`source ${registry}/${repository}`);
        return Promise.resolve(`sha256:${"a".repeat(64)}`);
      },
    });
    // Every repository in one announcement, before any lookup: the source's, beside the Spack
    // container's own and its publish copy's (the example's `gromacs` and `public` target).
    expect(events[0]).toMatch(/^announced /);
    expect(events[0]!.split(" ").slice(1)).toEqual(
      expect.arrayContaining(["registry.example.org/tools/source"]),
    );
    expect(events[0]!.split(" ").some((r) => r.endsWith("/gromacs"))).toBe(true);
    expect(events.filter((e) => e.startsWith("announced"))).toHaveLength(1);
    expect(events).toContain("source registry.example.org/tools/source");
  });

  it("names each `.def` file whose source image does not exist once, in container order", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    for (const name of ["zz-gone", "aa-gone"])
      await writeFile(
        join(repo, `container_definitions/amd64/${name}.def`),
        `Bootstrap: docker\nFrom: registry.example.org/tools/${name}:1.0\n`,
      );
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const run = planWith(repo, locks, {
      // The example's own `.def` source exists; the two added do not (the later answers first).
      sourceDigest: async ({ repository }) => {
        if (repository.endsWith("aa-gone")) await new Promise((r) => setTimeout(r, 50));
        return repository.endsWith("-gone") ? undefined : `sha256:${"b".repeat(64)}`;
      },
    });
    const error = (await run.catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      "container_definitions/amd64/aa-gone.def: the From: image registry.example.org/tools/aa-gone:1.0 does not exist in its registry: fix the reference",
      "container_definitions/amd64/zz-gone.def: the From: image registry.example.org/tools/zz-gone:1.0 does not exist in its registry: fix the reference",
    ]);
  });

  it("asks for a `.def` file's SIF file beside its source's digest, once", async () => {
    const repo = await exampleRepo();
    const locks = await addLocks(repo);
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const events: string[] = [];
    const asked = (prefix: string) => events.some((e) => e.startsWith(prefix));
    await planWith(repo, locks, {
      checks: {
        imageLabels: () => Promise.resolve(undefined),
        sifMetadata: (_arch, key) => Promise.resolve(void events.push(`sif ${key}`)),
      },
      // Answers once the SIF file of nexus-storage was asked for, or after 3 s: a run
      // that waited for the digest to ask would have asked nothing by then.
      sourceDigest: async () => {
        for (let waited = 0; !asked("sif containers/nexus-storage") && waited < 3000; waited += 10)
          await new Promise((resolve) => setTimeout(resolve, 10));
        events.push("digest answered");
        return `sha256:${"c".repeat(64)}`;
      },
    });
    const nexus = events.filter((e) => e.startsWith("sif containers/nexus-storage"));
    expect(nexus).toEqual(["sif containers/nexus-storage__1.10.0__amd64.sif"]);
    expect(events.indexOf(nexus[0]!)).toBeLessThan(events.indexOf("digest answered"));
  });
});
