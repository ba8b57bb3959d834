import { describe, expect, it } from "vitest";
import { checkCiLimits, GITLAB_DEFAULT_LIMITS } from "../../../common/src/ci/limits.js";
import { toCiDocument } from "../../../common/src/ci/render.js";
import { localNeedTarget } from "../../../common/src/ci/types.js";
import { buildTriggerPipeline, type ChildFileRef } from "./trigger.js";

const step = (s: number, parts: number): ChildFileRef[] =>
  Array.from({ length: parts }, (_, p) => ({
    file: `step-${s}-part-${p}.yaml`,
    bridge: `step ${s} part ${p}`,
  }));

describe("buildTriggerPipeline", () => {
  const settings = { artifactsDir: "out", tags: ["k8s"], image: "node:20", maxNeedsPerJob: 50 };

  it("makes each step's bridges need every bridge of the step before", () => {
    const pipeline = buildTriggerPipeline([step(0, 2), step(1, 1)], settings);
    expect(pipeline.jobs["step 1 part 0"]).toMatchObject({
      needs: [
        { job: "collect artifacts", artifacts: true },
        { job: "step 0 part 0", artifacts: false },
        { job: "step 0 part 1", artifacts: false },
      ],
      trigger: {
        include: [{ artifact: "out/step-1-part-0.yaml", job: "collect artifacts" }],
        strategy: "depend",
      },
    });
  });

  it("joins a step of more bridges than one job may need, in rounds, within the needs limit", () => {
    const pipeline = buildTriggerPipeline([step(0, 3000), step(1, 1)], settings);
    const doc = toCiDocument(pipeline);
    expect(
      checkCiLimits(doc, 0, GITLAB_DEFAULT_LIMITS).filter(
        (p) => !p.startsWith("file is") && !p.includes("jobs, over"),
      ),
    ).toEqual([]);
    // Everything of step 0 is reachable from the step 1 bridge through needs.
    const reach = (name: string, seen = new Set<string>()): Set<string> => {
      for (const need of pipeline.jobs[name]?.needs ?? []) {
        const target = localNeedTarget(need)!;
        if (!seen.has(target)) reach(target, seen.add(target));
      }
      return seen;
    };
    const reached = reach("step 1 part 0");
    expect(step(0, 3000).every((b) => reached.has(b.bridge))).toBe(true);
    expect(Object.keys(pipeline.jobs).filter((n) => n.includes("join 1."))).toHaveLength(2);
  });
});
