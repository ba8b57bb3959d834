import { describe, expect, it } from "vitest";
import { planSifRetirement, type SifFile } from "./retire-sif.js";

const NOW = new Date("2026-12-03T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
const file = (key: string, days: number, branch?: string): SifFile => ({
  key,
  name: key.split("__")[0]!,
  ...(branch ? { branch } : {}),
  lastModified: daysAgo(days),
});

describe("planSifRetirement", () => {
  const files = [
    file("gromacs__2023.3.sif", 1),
    file("gromacs__2023.2.sif", 200),
    file("gromacs__2023.1.sif", 400),
    file("gromacs__2023.1__feat.sif", 300, "feat"),
    file("neuron__9.0.sif", 500),
  ];

  it.each<[string, { keep: number; maxAgeDays: number }, string[]]>([
    [
      "the newest per container and branch, then by age",
      { keep: 2, maxAgeDays: 90 },
      ["gromacs__2023.1.sif"],
    ],
    ["by age alone beyond the newest one", { keep: 1, maxAgeDays: 250 }, ["gromacs__2023.1.sif"]],
    ["none when every group is within its count", { keep: 3, maxAgeDays: 1 }, []],
    [
      "all but the newest of each when the age is short",
      { keep: 1, maxAgeDays: 1 },
      ["gromacs__2023.2.sif", "gromacs__2023.1.sif"],
    ],
  ])("%s", (_name, retention, deleted) => {
    const fates = planSifRetirement(files, retention, NOW);
    expect(fates).toHaveLength(files.length);
    expect(fates.filter((f) => !f.keep).map((f) => f.file.key)).toEqual(deleted);
    for (const fate of fates) expect(fate.reason).not.toBe("");
  });

  it("says why, naming the container and the branch", () => {
    const [kept, , gone] = planSifRetirement(files, { keep: 1, maxAgeDays: 90 }, NOW);
    expect(kept?.reason).toBe("one of the newest 1 of gromacs on the default branch");
    expect(gone?.reason).toBe(
      "unchanged for over 90 days, with 1 newer files of gromacs on the default branch",
    );
    const feature = planSifRetirement(files, { keep: 1, maxAgeDays: 90 }, NOW).find(
      (f) => f.file.branch,
    );
    expect(feature?.reason).toBe("one of the newest 1 of gromacs on branch feat");
  });
});
