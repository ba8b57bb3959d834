import { describe, expect, it } from "vitest";
import { criticalPath, simulate, type ScheduledFile } from "./schedule.js";

const file = (minutes: number[], needs: number[][] = [], after: number[] = []): ScheduledFile => ({
  jobs: minutes.map((m, i) => ({ minutes: m, needs: needs[i] ?? [] })),
  after,
});

describe("simulate", () => {
  it.each<[string, ScheduledFile[], number, number]>([
    ["jobs of one file in parallel", [file([5, 7])], Infinity, 7],
    ["a need inside a file", [file([5, 7], [[], [0]])], Infinity, 12],
    [
      "a file waits for the whole file before it",
      [file([1, 30]), file([2], [], [0])],
      Infinity,
      32,
    ],
    ["independent files side by side", [file([10]), file([20])], Infinity, 20],
    ["one runner runs one job at a time", [file([5, 7])], 1, 12],
    ["two runners, three jobs", [file([4, 4, 4])], 2, 8],
    [
      "an empty file ends when it starts",
      [file([3]), file([], [], [0]), file([1], [], [1])],
      Infinity,
      4,
    ],
  ])("%s", (_name, files, runners, makespan) => {
    expect(simulate(files, runners).makespan).toBe(makespan);
  });

  it("gives the longest-waiting job the free runner", () => {
    // Job 1 is ready first (at 0); job 2 becomes ready at 1: with one runner, 1 runs before 2.
    const files = [file([1, 10, 1], [[], [], [0]])];
    expect(simulate(files, 1).makespan).toBe(12);
    expect(simulate(files, 1).files[0]).toEqual({ start: 0, end: 12 });
  });

  it("reports files whose needs form a cycle instead of a short makespan", () => {
    expect(() => simulate([file([1], [], [1]), file([1], [], [0])], Infinity)).toThrow(/cycle/);
  });
});

describe("criticalPath", () => {
  it("is the longest chain of dependent jobs", () => {
    const jobs = [
      { minutes: 5, dependencies: [] },
      { minutes: 1, dependencies: [] },
      { minutes: 2, dependencies: [0, 1] },
      { minutes: 10, dependencies: [1] },
    ];
    expect(criticalPath(jobs)).toBe(11);
  });
});
