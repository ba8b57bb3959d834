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
    [
      "a file after an empty file runs its jobs once",
      [file([]), file([22, 18], [[], [0]], [0])],
      Infinity,
      40,
    ],
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

  it("gives a free runner the job created first, not the one that waited longest", () => {
    // Two runners. At 1 the first job ends: job 1 (created before job 3, which has waited
    // since 0) runs, so job 4 can start at 5 when job 2 ends: 15, not 16.
    const files = [file([1, 1, 5, 5, 10], [[], [0], [], [], [1]])];
    expect(simulate(files, 2).makespan).toBe(15);
  });

  it("reports files whose needs form a cycle instead of a short makespan", () => {
    expect(() => simulate([file([1], [], [1]), file([1], [], [0])], Infinity)).toThrow(/cycle/);
  });
});

describe("criticalPath", () => {
  it("is the longest chain of dependent jobs", () => {
    const jobs = [{ minutes: 5 }, { minutes: 1 }, { minutes: 2 }, { minutes: 10 }];
    expect(criticalPath(jobs, [[], [], [0, 1], [1]])).toBe(11);
  });
});
