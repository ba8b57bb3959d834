import { describe, expect, it } from "vitest";
import { checkCiLimits, GITLAB_DEFAULT_LIMITS } from "../../../common/src/ci/limits.js";
import { toCiDocument } from "../../../common/src/ci/render.js";
import { localNeedTarget } from "../../../common/src/ci/types.js";
import { buildTriggerPipeline, joinJobCount, type ChildFileRef } from "./trigger.js";

const ref = (name: string, after: string[] = []): ChildFileRef => ({
  file: `${name}.yaml`,
  bridge: name,
  after,
});

describe("buildTriggerPipeline", () => {
  const settings = {
    artifactsDir: "out",
    tags: ["k8s"],
    image: "node:20",
    maxNeedsPerJob: 50,
    passOn: ["GENERATION_PIPELINE_ID"],
  };

  it("makes each bridge need only the bridges of the files it waits for", () => {
    const pipeline = buildTriggerPipeline(
      [ref("a"), ref("b"), ref("c", ["a"]), ref("d", ["b", "c"])],
      settings,
    );
    const needs = (name: string) => pipeline.jobs[name]!.needs!.map((n) => localNeedTarget(n));
    expect(needs("a")).toEqual(["collect artifacts"]);
    expect(needs("b")).toEqual(["collect artifacts"]);
    expect(needs("c")).toEqual(["collect artifacts", "a"]);
    expect(needs("d")).toEqual(["collect artifacts", "b", "c"]);
    expect(pipeline.jobs["d"]).toMatchObject({
      stage: "step-2",
      trigger: {
        include: [{ artifact: "out/d.yaml", job: "collect artifacts" }],
        strategy: "depend",
      },
    });
    expect(pipeline.stages).toEqual(["collect", "step-0", "step-1", "step-2"]);
  });

  it("joins more bridges than one job may need, in rounds, within the needs limit", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ref(`f${i}`));
    const last = ref(
      "last",
      many.map((r) => r.bridge),
    );
    const pipeline = buildTriggerPipeline([...many, last], settings);
    const doc = toCiDocument(pipeline);
    expect(
      checkCiLimits(doc, 0, GITLAB_DEFAULT_LIMITS).filter(
        (p) => !p.startsWith("file is") && !p.includes("jobs, over"),
      ),
    ).toEqual([]);
    // Every file before it is reachable from the last bridge through needs.
    const reach = (name: string, seen = new Set<string>()): Set<string> => {
      for (const need of pipeline.jobs[name]?.needs ?? []) {
        const target = localNeedTarget(need)!;
        if (!seen.has(target)) reach(target, seen.add(target));
      }
      return seen;
    };
    const reached = reach("last");
    expect(many.every((b) => reached.has(b.bridge))).toBe(true);
    expect(Object.keys(pipeline.jobs).filter((n) => n.startsWith("last waits 1."))).toHaveLength(2);
  });

  it.each([0, 1, 9, 10, 11, 49, 50, 51, 99, 100, 101, 1000, 2501, 3000])(
    "counts the join jobs of a bridge waiting for %i bridges as it makes them",
    (waits) => {
      const earlier = Array.from({ length: waits }, (_, i) => ref(`f${i}`));
      const pipeline = buildTriggerPipeline(
        [
          ...earlier,
          ref(
            "last",
            earlier.map((r) => r.bridge),
          ),
        ],
        { ...settings, maxNeedsPerJob: 10 },
      );
      const joins = Object.keys(pipeline.jobs).filter((name) => name.startsWith("last waits"));
      expect(joinJobCount(waits, 10)).toBe(joins.length);
    },
  );
});
