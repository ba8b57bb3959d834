import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dump } from "js-yaml";
import { PipelineRunner } from "./pipeline-runner.js";
import { report } from "./records.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "runner-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A job that fails with `message` on its first run only (it leaves a mark in `dir`). */
const failsOnce = (mark: string, message: string) => [
  `if [ ! -e ${join(dir, mark)} ]; then touch ${join(dir, mark)}; echo '${message}' >&2; exit 1; fi`,
  "echo built",
];

describe("the e2e pipeline runner", () => {
  it("runs a job again only after a fault of this machine's container runtime, and says so", async () => {
    const checkout = join(dir, "checkout");
    await mkdir(checkout);
    const file = join(dir, "pipeline.yml");
    await writeFile(
      file,
      dump({
        stages: ["build"],
        "runtime fault": {
          stage: "build",
          script: failsOnce(
            "a",
            "error running container: Close_Fd sealing memfd copy: Device or resource busy",
          ),
        },
        "other failure": { stage: "build", script: failsOnce("b", "compiler error") },
      }),
    );
    const runner = new PipelineRunner({
      checkout,
      workRoot: join(dir, "work"),
      variables: {},
      imageEnvironment: () => ({}),
      firstId: 1,
    });
    const pipeline = await runner.run(file);
    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ["runtime fault", "success"],
      ["other failure", "failed"],
    ]);
    expect(report(pipeline)).toContain(
      'success runtime fault (run again after "sealing memfd copy: Device or resource busy")',
    );
    expect(pipeline.jobs[1]!.retriedAfter).toBeUndefined();
  });
});
