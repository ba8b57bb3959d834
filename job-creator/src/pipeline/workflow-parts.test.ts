import { describe, expect, it } from "vitest";
import { baseGroups, packParts, type PartSize } from "./workflow-parts.js";

describe("baseGroups", () => {
  it.each([
    { basedOn: [], groups: [] },
    { basedOn: [undefined, undefined], groups: [[0], [1]] },
    // 2 on 0, 3 on 2: one chain; 1 alone.
    { basedOn: [undefined, undefined, 0, 2], groups: [[0, 2, 3], [1]] },
    // A base defined after what builds on it still joins its group, ordered by first member.
    { basedOn: [3, undefined, undefined, undefined, 1], groups: [[0, 3], [1, 4], [2]] },
    // Two containers on one base.
    { basedOn: [undefined, 0, 0], groups: [[0, 1, 2]] },
  ])("$basedOn -> $groups", ({ basedOn, groups }) => {
    expect(baseGroups(basedOn)).toEqual(groups);
  });
});

describe("packParts", () => {
  const size = (jobs: number, bytes = jobs * 10): PartSize => ({ jobs, bytes });
  const budget = size(5, 50);
  it.each([
    { sizes: [], parts: [] },
    { sizes: [size(2), size(3)], parts: [[0, 1]] },
    { sizes: [size(2), size(3), size(1)], parts: [[0, 1], [2]] },
    // Bytes bind before jobs do.
    { sizes: [size(2, 30), size(2, 30)], parts: [[0], [1]] },
    // A group over the budget by itself is a part of its own; the next starts a new one.
    { sizes: [size(1), size(7), size(1)], parts: [[0], [1], [2]] },
    // Groups without jobs (up to date) go nowhere.
    { sizes: [size(0), size(3), size(0), size(2)], parts: [[1, 3]] },
  ])("$sizes.length groups -> $parts", ({ sizes, parts }) => {
    expect(packParts(sizes, budget)).toEqual(parts);
  });
});
