import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aliasBomb } from "../../test/helpers/files.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const jc = (args: readonly string[]) => runCaptured(buildProgram(), args);

describe("bounded inputs", () => {
  it("refuses a Spack output that is an alias bomb, naming it, and still reads Spack 1.0's aliases", async () => {
    const repo = await exampleRepo();
    const input = join(repo, "spack-output");
    await mkdir(input);
    await writeFile(join(input, "bomb.yml"), aliasBomb());
    expect(aliasBomb().length).toBeLessThan(600);
    const out = ["-r", repo, "-a", "amd64", "-o", join(repo, "out"), "--artifacts-path", "out"];
    const result = await jc(["process-spack-pipeline", "-d", input, ...out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /bomb\.yml: refused: its anchors and aliases expand to over \d+ nodes/,
    );
    const real = join(repo, "spack-1.0");
    await mkdir(real);
    const v1 = await readFile(join(SPACK_FIXTURES, "versions/v1.0-small.yaml"), "utf8");
    await writeFile(join(real, "small.yml"), v1);
    expect(v1).toMatch(/&id001/);
    expect((await jc(["process-spack-pipeline", "-d", real, ...out])).code).toBe(0);
  });

  it("refuses a definition that is an alias bomb, naming it", async () => {
    const repo = await exampleRepo();
    const file = "container_definitions/amd64/bomb.yaml";
    await writeFile(join(repo, file), `spack:\n  specs: [zlib]\n${aliasBomb()}`);
    const result = await jc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: refused: its aliases expand too far`);
  });

  it("refuses a pipeline file that is an alias bomb in jc validate", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bomb.yml"), aliasBomb());
    const result = await jc(["validate", join(dir, "bomb.yml")]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/expand too far/);
  });

  it("refuses a definition over the size limit before reading it, naming the setting", async () => {
    const repo = await exampleRepo();
    const file = "container_definitions/amd64/huge.yaml";
    await writeFile(join(repo, file), `spack:\n  specs: [zlib]\n${"#".repeat(10_000_000)}\n`);
    const result = await jc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `${file}: is 1000\\d{4} bytes, over the limit of 1048576 \\(limits.maxDefinitionBytes\\)`,
      ),
    );
  });

  it("finds a duplicate key in a mapping of 60,000 keys (linear, not pairwise), with its line", async () => {
    const repo = await exampleRepo();
    const file = "container_definitions/amd64/wide.yaml";
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: v`);
    keys.push("  k17: again");
    await writeFile(join(repo, file), `spack:\n  specs: [zlib]\nextra:\n${keys.join("\n")}\n`);
    const result = await jc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:60004: duplicate key "k17"`);
  });
});

/** A two-job Spack output; `needs` of each job and the first job's name are the test's. */
function spackOutput(first: string, needsOfA: string[], needsOfB: string[]): string {
  const job = (name: string, hash: string, stage: number, needs: string[]) =>
    `"${name}":\n  stage: stage-${stage}\n  variables:\n    SPACK_JOB_SPEC_DAG_HASH: ${hash}\n    SPACK_JOB_SPEC_PKG_NAME: p\n  needs: [${needs.map((n) => `{job: "${n}", artifacts: false}`).join(", ")}]\n  script: [spack ci rebuild]\n`;
  return (
    "stages: [stage-0, stage-1]\n" +
    job(first, "a".repeat(32), 0, needsOfA) +
    job("b@1.0 /bbbbbbb", "b".repeat(32), 1, needsOfB)
  );
}

describe("messages that point into spack's output", () => {
  const run = async (text: string) => {
    const repo = await exampleRepo();
    const input = join(repo, "spack-output");
    await mkdir(input);
    await writeFile(join(input, "env.yml"), text);
    return jc([
      "process-spack-pipeline",
      "-d",
      input,
      "-r",
      repo,
      "-a",
      "amd64",
      "-o",
      join(repo, "out"),
      "--artifacts-path",
      "out",
    ]);
  };

  it("names every job of a dependency cycle with its file and line", async () => {
    const result = await run(spackOutput("a@1.0 /aaaaaaa", ["b@1.0 /bbbbbbb"], ["a@1.0 /aaaaaaa"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /cycle:\n +.*env\.yml:2: a@1\.0 \/aaaaaaa\n +needs\n +.*env\.yml:9: b@1\.0 \/bbbbbbb\n +needs\n +.*env\.yml:2: a@1\.0/,
    );
  });

  it("names an over-long job name with its file and line", async () => {
    const long = `a@1.0 ${"x".repeat(300)} /aaaaaaa`;
    const result = await run(spackOutput(long, [], [long]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /env\.yml:2: job name is 315 characters, over limits\.maxJobNameLength \(255\)/,
    );
  });
});
