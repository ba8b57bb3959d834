import { describe, expect, it } from "vitest";
import { scheduledFiles, unlimitedMakespan } from "./makespan.js";
import { simulate } from "./schedule.js";

describe("unlimitedMakespan", () => {
  it.each<[string, number[][], number[][], number[], number[][], number]>([
    ["a chain in one file", [[0, 1]], [[]], [5, 7], [[], [0]], 12],
    [
      "a file waits for the whole file before it",
      [[0, 1], [2]],
      [[], [0]],
      [1, 30, 2],
      [[], [], [0]],
      32,
    ],
    ["independent files side by side", [[0], [1]], [[], []], [10, 20], [[], []], 20],
    ["an empty file ends as it starts", [[0], [], [1]], [[], [0], [1]], [3, 1], [[], []], 4],
  ])("%s", (_name, members, after, minutes, deps, makespan) => {
    expect(
      unlimitedMakespan(
        members,
        after,
        minutes.map((m) => ({ minutes: m })),
        deps,
      ),
    ).toBe(makespan);
  });

  it("finds in one pass what the simulation finds with unlimited runners, on random plans", () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    for (let round = 0; round < 200; round++) {
      const count = random(20);
      const jobs = Array.from({ length: count }, () => ({ minutes: 1 + random(30) }));
      const deps = jobs.map((_, i) =>
        i === 0 ? [] : [...new Set(Array.from({ length: random(4) }, () => random(i)))],
      );
      // Each job in the file of its latest dependency or a later one: files come after theirs.
      const fileOf = deps.map(() => 0);
      deps.forEach((ds, i) => {
        fileOf[i] = Math.max(0, ...ds.map((d) => fileOf[d]!)) + random(2);
      });
      const files = Math.max(0, ...fileOf) + 1;
      const members = Array.from({ length: files }, (_, f) =>
        jobs.flatMap((_, i) => (fileOf[i] === f ? [i] : [])),
      );
      const after = members.map((file, f) => [
        ...new Set(file.flatMap((i) => deps[i]!.map((d) => fileOf[d]!).filter((g) => g !== f))),
      ]);
      expect(unlimitedMakespan(members, after, jobs, deps)).toBe(
        simulate(scheduledFiles(members, after, jobs, deps), Infinity).makespan,
      );
    }
  });
});
