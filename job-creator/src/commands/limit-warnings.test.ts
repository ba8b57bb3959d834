import { describe, expect, it } from "vitest";
import { GITLAB_DEFAULT_LIMITS } from "../../../common/src/ci/limits.js";
import { load } from "js-yaml";
import { pipelineLimitWarnings } from "./limit-warnings.js";

const job = (n: number) => `job ${n}:\n  stage: test\n  script: [echo ${n}]\n`;
const written = (text: string) => ({ doc: load(text) as Record<string, unknown>, text });
const pipeline = (jobs: number) =>
  "stages: [test]\n" + Array.from({ length: jobs }, (_, i) => job(i)).join("");

describe("warnings about a written pipeline GitLab may refuse", () => {
  it("says nothing of a pipeline within the limits", () => {
    expect(
      pipelineLimitWarnings("p.yaml", written(pipeline(3)), GITLAB_DEFAULT_LIMITS, "do x"),
    ).toEqual([]);
  });

  it("names the file, what is over, and what to do", () => {
    const limits = { ...GITLAB_DEFAULT_LIMITS, maxJobsPerFile: 2, maxFileBytes: 10_000 };
    expect(pipelineLimitWarnings("p.yaml", written(pipeline(3)), limits, "do x")).toEqual([
      "p.yaml: 3 jobs, over the limit of 2 per file",
      "GitLab may refuse p.yaml: do x",
    ]);
  });

  it("shows three problems and counts the rest", () => {
    const limits = { ...GITLAB_DEFAULT_LIMITS, maxJobNameLength: 16, maxFileBytes: 10_000 };
    const long = Array.from(
      { length: 5 },
      (_, i) => `a job with a long name ${i}:\n  script: [x]\n`,
    );
    const warnings = pipelineLimitWarnings("p.yaml", written(long.join("")), limits, "do x");
    expect(warnings).toHaveLength(5);
    expect(warnings[3]).toBe("p.yaml: and 2 more");
    expect(warnings[4]).toBe("GitLab may refuse p.yaml: do x");
  });
});
