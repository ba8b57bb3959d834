import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aliasBomb } from "../../test/helpers/files.js";
import { InputError } from "../../common/src/errors.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import type { ParallelReading } from "../src/spack-pipeline/read-parallel.js";
import { readSpackOutputs } from "../src/spack-pipeline/read.js";
import type { SpackOutput } from "../src/spack-pipeline/types.js";

const LIMIT = { maxBytes: 10_000_000, setting: "limits.maxSpackOutputBytes" };

/** Every Spack release's output, one container each. */
async function realOutputs(): Promise<string> {
  const dir = await tempDir();
  const files = [
    "versions/v0.20-small.yaml",
    "versions/v0.21-small.yaml",
    "versions/v0.23-small-anchors.yaml",
    "versions/v1.0-small.yaml",
    "versions/v1.0-partial-pruned.yaml",
    "scenarios-v0.21/large/pipeline.yml",
    "scenarios-v0.21/medium/pipeline.yml",
  ];
  for (const [i, file] of files.entries()) {
    await mkdir(join(dir, `c${i}`));
    await copyFile(join(SPACK_FIXTURES, file), join(dir, `c${i}`, "pipeline.yml"));
  }
  return dir;
}

async function read(dir: string, parallel: ParallelReading) {
  const outputs: SpackOutput[] = [];
  let threads = -1;
  const error = await readSpackOutputs(dir, LIMIT, (o) => outputs.push(o), {
    ...parallel,
    onThreads: (count) => (threads = count),
  }).catch((e: unknown) => e);
  return { outputs, error, threads };
}

const IN_PROCESS: ParallelReading = { workers: 0 };
const THREADS: ParallelReading = { workers: 2, minBytes: 0 };

describe("reading spack outputs on worker threads", () => {
  it("hands on the same outputs, in file order, as reading them in process", async () => {
    const dir = await realOutputs();
    const here = await read(dir, IN_PROCESS);
    const threads = await read(dir, THREADS);
    expect(here.error).toBeUndefined();
    expect(threads.error).toBeUndefined();
    expect([here.threads, threads.threads]).toEqual([0, 2]);
    expect(threads.outputs.map((o) => o.container)).toEqual([
      "c0",
      "c1",
      "c2",
      "c3",
      "c4",
      "c5",
      "c6",
    ]);
    expect(threads.outputs).toEqual(here.outputs);
  });

  it("reports the same problems of every bad file, with their lines", async () => {
    const dir = await realOutputs();
    const bad: Record<string, string> = {
      "b1-yaml": "a: [b\nc: d\n",
      "b2-list": "- a\n- b\n",
      "b3-bomb": aliasBomb(),
      "b4-empty": "",
      "b5-no-hash": "hello:\n  stage: stage-0\n  script: [a]\n",
    };
    for (const [name, text] of Object.entries(bad)) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, "pipeline.yml"), text);
    }
    await writeFile(join(dir, "c1", "pipeline.yml"), "x".repeat(LIMIT.maxBytes + 1));
    const here = await read(dir, IN_PROCESS);
    const threads = await read(dir, THREADS);
    expect(here.error).toBeInstanceOf(InputError);
    expect(threads.error).toBeInstanceOf(InputError);
    expect(threads.threads).toBe(2);
    const problems = (threads.error as InputError).problems;
    expect(problems).toEqual((here.error as InputError).problems);
    expect(problems.map((p) => p.file.split("/").at(-2))).toEqual([
      "b1-yaml",
      "b2-list",
      "b3-bomb",
      "b4-empty",
      "b5-no-hash",
      "c1",
    ]);
    expect(problems[0]).toMatchObject({ line: expect.any(Number) as number });
  });

  it("reads a folder with nothing in it the same way", async () => {
    const dir = await tempDir();
    const threads = await read(dir, THREADS);
    expect((threads.error as Error).message).toMatch(/no spack outputs/);
  });

  it("reads on the command's own thread below the size where threads pay", async () => {
    const dir = await realOutputs();
    expect((await read(dir, { workers: 2 })).threads).toBe(0);
    expect((await read(dir, { workers: 2, minBytes: 700_000 })).threads).toBe(2);
    expect((await read(dir, { workers: 2, minBytes: 800_000 })).threads).toBe(0);
  });
});
