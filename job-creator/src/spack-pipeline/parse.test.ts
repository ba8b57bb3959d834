import { describe, expect, it } from "vitest";
import type { Problem } from "../../../common/src/errors.js";
import { parseSpackOutput } from "./parse.js";

const rebuild = (n: number, script: readonly string[]) => ({
  stage: "stage-0",
  image: { name: "builder", entrypoint: [""] },
  tags: ["spack"],
  script,
  variables: { SPACK_JOB_SPEC_DAG_HASH: `hash${n}` },
});

function parsed(doc: Record<string, unknown>) {
  const problems: Problem[] = [];
  const output = parseSpackOutput(doc, "pipeline.yml", "c", problems);
  expect(problems).toEqual([]);
  return new Map(output!.rebuildJobs.map((j) => [j.name, j.job]));
}

describe("parseSpackOutput's sharing of repeated values", () => {
  it("keeps one copy of what jobs repeat and every job's own value where they differ", () => {
    const common = ["spack ci rebuild"];
    // Twelve distinct scripts: more than are kept per key, so the last ones stay each job's own.
    const doc = Object.fromEntries(
      Array.from({ length: 24 }, (_, n) => [
        `job ${n}`,
        rebuild(n, n % 2 === 0 ? [...common] : [`echo ${n}`]),
      ]),
    );
    const jobs = parsed(doc);
    for (let n = 0; n < 24; n++) {
      const job = jobs.get(`job ${n}`)!;
      expect(job["script"], `job ${n}`).toEqual(n % 2 === 0 ? common : [`echo ${n}`]);
      expect(job["variables"]).toEqual({ SPACK_JOB_SPEC_DAG_HASH: `hash${n}` });
      expect(job).not.toHaveProperty("stage");
    }
    // Equal values are one object; the copies are not the parsed document's.
    expect(jobs.get("job 0")!["script"]).toBe(jobs.get("job 22")!["script"]);
    expect(jobs.get("job 3")!["image"]).toBe(jobs.get("job 20")!["image"]);
    expect(jobs.get("job 0")!["script"]).not.toBe(doc["job 0"]!.script);
    expect(jobs.get("job 0")!["variables"]).not.toBe(doc["job 0"]!.variables);
  });
});
