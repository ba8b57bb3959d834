import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aliasBomb } from "../../test/helpers/files.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const jc = (args: string[]) => runCaptured(buildProgram(), args);

describe("jc graph", () => {
  it("draws what create-jobs wrote, the same picture it wrote beside it", async () => {
    const repo = await exampleRepo();
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const out = join(await tempDir(), "picture.md");
    const drawn = await jc(["graph", join(repo, "generated/generated_pipeline.yaml"), "-o", out]);
    expect(drawn.code, drawn.stderr).toBe(0);
    const picture = await readFile(out, "utf8");
    const beside = await readFile(join(repo, "generated/generated_pipeline.md"), "utf8");
    // Only the title differs: the command names the file it drew.
    expect(picture.split("\n").slice(1)).toEqual(beside.split("\n").slice(1));
    expect(picture).toMatch(/n\d+\["process spack pipeline for amd64"\]/);
  });

  it("never writes over a pipeline it reads, nor over a folder", async () => {
    const repo = await exampleRepo();
    expect((await jc(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const file = join(repo, "generated/generated_pipeline.yaml");
    const before = await readFile(file, "utf8");
    for (const [target, why] of [
      [file, "that is a pipeline file, which this command reads"],
      [join(repo, "generated"), "that is a folder"],
    ] as const) {
      const result = await jc(["graph", file, "-o", target]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${target}: --output: ${why}`);
    }
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it.each([
    ["not YAML", "jobs: [\n", /invalid YAML/],
    ["not a mapping", "- a\n- b\n", /not a pipeline: expected a mapping of jobs/],
    ["an alias bomb", aliasBomb(), /anchors and aliases expand too far/],
  ])("refuses %s with exit 2", async (_, text, message) => {
    const file = join(await tempDir(), "p.yaml");
    await writeFile(file, text);
    const result = await jc(["graph", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
