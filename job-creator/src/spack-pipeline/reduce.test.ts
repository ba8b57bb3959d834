import { describe, expect, it } from "vitest";
import { reducedDependencies } from "./reduce.js";

describe("reducedDependencies", () => {
  it.each([
    ["no dependencies", [[]], [[]]],
    ["a chain keeps each link", [[], [0], [1]], [[], [0], [1]]],
    ["drops a need the chain already implies", [[], [0], [0, 1]], [[], [0], [1]]],
    ["keeps two independent dependencies", [[], [], [0, 1]], [[], [], [0, 1]]],
    [
      "drops a dependency reached through a longer path",
      [[], [0], [1], [0, 2]],
      [[], [0], [1], [2]],
    ],
    ["a diamond keeps both sides", [[], [0], [0], [1, 2, 0]], [[], [0], [0], [1, 2]]],
  ])("%s", (_name, deps, expected) => {
    expect(reducedDependencies(deps)).toEqual(expected);
  });

  it("works past 32 jobs (several words per set)", () => {
    const deps = Array.from({ length: 70 }, (_, i) =>
      i === 0 ? [] : i === 69 ? [0, 68] : [i - 1],
    );
    expect(reducedDependencies(deps)[69]).toEqual([68]);
  });

  it("refuses jobs out of dependency order", () => {
    expect(() => reducedDependencies([[1], []])).toThrow(/does not come before it/);
  });
});
