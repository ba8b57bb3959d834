import { describe, expect, it } from "vitest";
import { InputError } from "../../../common/src/errors.js";
import { isForced, selectDefinitions, selectionFrom, type Selection } from "./selection.js";
import type { ArchitectureDefinitions } from "./types.js";

// amd64's `tool` is a `.def` built on amd64's gromacs container.
const container = (arch: string, name: string, kind: "spack" | "custom" = "spack") =>
  (kind === "spack"
    ? { kind, arch, name }
    : {
        kind,
        arch,
        name,
        from: { container: "gromacs", line: 2 },
      }) as ArchitectureDefinitions["containers"][number];

const ALL: ArchitectureDefinitions[] = [
  {
    arch: "amd64",
    containers: [container("amd64", "gromacs"), container("amd64", "tool", "custom")],
  },
  { arch: "arm64", containers: [container("arm64", "gromacs"), container("arm64", "scipy")] },
  { arch: "ppc64", containers: [] },
];

const names = (selected: ReturnType<typeof selectDefinitions>) =>
  selected.architectures.map((a) => `${a.arch}: ${a.containers.map((c) => c.name).join(",")}`);

const select = (selection: Partial<Selection>) =>
  selectDefinitions(ALL, { force: [], rebuildPackages: false, ...selection });

const problems = (selection: Partial<Selection>): string => {
  try {
    select(selection);
    return "no error";
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.message;
  }
};

describe("the selection flags and CI variables", () => {
  it.each([
    [{}, {}, { force: [], rebuildPackages: false }],
    [
      { only: "a,b", arch: " amd64 " },
      {},
      { only: ["a", "b"], arches: ["amd64"], force: [], rebuildPackages: false },
    ],
    [{ only: "a, b  a" }, {}, { only: ["a", "b"], force: [], rebuildPackages: false }],
    // GitLab's form sends defined-but-empty variables: they select nothing special.
    [{ only: "", arch: "", force: "" }, {}, { force: [], rebuildPackages: false }],
    [{ force: true }, {}, { force: "all", rebuildPackages: false }],
    [{ force: "ALL" }, {}, { force: "all", rebuildPackages: false }],
    [
      { force: "x,y" },
      { SPACKTAINERS_REBUILD_PACKAGES: "yes" },
      { force: ["x", "y"], rebuildPackages: true },
    ],
    [
      { force: "x" },
      { SPACKTAINERS_REBUILD_PACKAGES: "false" },
      { force: ["x"], rebuildPackages: false },
    ],
    [{ force: "x", rebuildPackages: true }, {}, { force: ["x"], rebuildPackages: true }],
  ])("%j with %j", (flags, env, expected) => {
    expect(selectionFrom(flags, env)).toEqual(expected);
  });

  it("forces all or the names given", () => {
    expect(isForced({ force: "all", rebuildPackages: false }, "x")).toBe(true);
    expect(isForced({ force: ["x"], rebuildPackages: false }, "x")).toBe(true);
    expect(isForced({ force: ["x"], rebuildPackages: false }, "y")).toBe(false);
  });
});

describe("what a selection keeps", () => {
  it.each([
    [{}, ["amd64: gromacs,tool", "arm64: gromacs,scipy", "ppc64: "], [], []],
    [{ force: "all" as const }, ["amd64: gromacs,tool", "arm64: gromacs,scipy", "ppc64: "], [], []],
    [
      { only: ["gromacs"] },
      ["amd64: gromacs", "arm64: gromacs", "ppc64: "],
      ["amd64/tool: left out (not in --only)", "arm64/scipy: left out (not in --only)"],
      ["amd64", "arm64"],
    ],
    [
      { only: ["tool"] },
      ["amd64: gromacs,tool", "ppc64: "],
      [
        "amd64/gromacs: kept (tool builds on it)",
        "arm64: left out (none of its containers is in --only)",
      ],
      [],
    ],
    [
      { arches: ["arm64"] },
      ["arm64: gromacs,scipy"],
      ["amd64: left out (not in --arch arm64)", "ppc64: left out (not in --arch arm64)"],
      [],
    ],
    [
      { only: ["scipy"] },
      ["arm64: scipy", "ppc64: "],
      [
        "amd64: left out (none of its containers is in --only)",
        "arm64/gromacs: left out (not in --only)",
      ],
      ["arm64"],
    ],
  ])("%j", (selection, kept, leftOut, partial) => {
    const selected = select(selection);
    expect(names(selected)).toEqual(kept);
    expect(selected.leftOut).toEqual(leftOut);
    expect([...selected.partial]).toEqual(partial);
  });

  it.each([
    [
      { arches: ["x86"] },
      "--arch: no x86 among the configured architectures; known: amd64, arm64, ppc64",
    ],
    [
      { only: ["gromac"] },
      "--only: no gromac among the containers (did you mean gromacs?); known: gromacs, scipy, tool",
    ],
    [
      { only: ["scipy"], arches: ["amd64"] },
      "--only: no scipy among the containers on amd64; known: gromacs, tool",
    ],
    [
      { only: ["gromacs"], force: ["scipy"] },
      "--force: no scipy among the selected containers; known: gromacs",
    ],
    [
      { only: ["x;rm -rf /"] },
      "--only: no x;rm -rf / among the containers; known: gromacs, scipy, tool",
    ],
    [
      { rebuildPackages: true },
      "--rebuild-packages: give --force too (it rebuilds the forced containers' packages)",
    ],
  ])("refuses %j, listing what there is", (selection, message) => {
    expect(problems(selection)).toBe(message);
  });
});
