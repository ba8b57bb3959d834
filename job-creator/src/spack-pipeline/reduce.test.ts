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

  it("keeps exactly the dependencies no other one reaches, on random graphs", () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    for (let round = 0; round < 100; round++) {
      const deps = Array.from({ length: 1 + random(120) }, (_, i) =>
        i === 0 ? [] : [...new Set(Array.from({ length: random(5) }, () => random(i)))],
      );
      // Reachability by search, job by job: slow and plain.
      const reaches = (from: number, to: number): boolean =>
        deps[from]!.some((d) => d === to || (d > to && reaches(d, to)));
      const expected = deps.map((direct) =>
        direct.filter((d) => !direct.some((e) => e !== d && reaches(e, d))),
      );
      expect(reducedDependencies(deps)).toEqual(expected);
    }
  });

  it("refuses jobs out of dependency order", () => {
    expect(() => reducedDependencies([[1], []])).toThrow(/does not come before it/);
  });
});
