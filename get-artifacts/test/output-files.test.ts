import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

describe("get-artifacts' dotenv report", () => {
  it.each([
    [
      "the generated pipeline it reads",
      "generated/generated_pipeline.yaml",
      /generated_pipeline\.yaml: --dotenv: that is the generated pipeline, which this command reads/,
    ],
    ["a folder", "generated", /generated: --dotenv: that is a folder: name a file/],
  ])("may not be %s: exit 2 before any request", async (_, dotenv, message) => {
    const dir = await tempDir();
    const pipeline = join(dir, "generated/generated_pipeline.yaml");
    await mkdir(join(dir, "generated"));
    await writeFile(pipeline, "stages: [x]\n");
    // Nothing listens on port 9: a refusal must come before any request.
    const result = await runCaptured(buildProgram(), [
      ...["-P", "500", "--project", "1", "--api-url", "http://127.0.0.1:9/api/v4", "-t", "glpat-x"],
      ...["-g", pipeline, "-o", dir, "--dotenv", dotenv, "--retry-budget", "1"],
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readFile(pipeline, "utf8")).toBe("stages: [x]\n");
  });
});
