import { describe, expect, it } from "vitest";
import { staleBranchTags, staleDeployedFiles, tagBranches } from "./stale-branches.js";

// amd64 ("" and "__amd64" for .def containers) and arm64 ("-arm64", "__arm64").
const SUFFIXES = ["", "__amd64", "-arm64", "__arm64"];

describe("tagBranches", () => {
  it.each<[string, string[]]>([
    ["2023.3", []],
    ["2023.3-arm64", []],
    ["2023.3__feature-x", ["feature-x"]],
    ["2023.3__feature-x-arm64", ["feature-x-arm64", "feature-x"]],
    ["2023.3__feature-x-archived-20261203T021509Z", ["feature-x"]],
    ["1.10.0__amd64", []],
    ["1.10.0__feature-x__amd64", ["feature-x"]],
    ["2023.3__Not_A_Slug", []],
    ["2023.3__", []],
  ])("%s", (tag, branches) => {
    expect(tagBranches(tag, SUFFIXES)).toEqual(branches);
  });
});

describe("staleBranchTags", () => {
  const live = new Set(["main-x", "fix"]);
  it("deletes tags of deleted branches only, and never an image a kept tag holds", () => {
    const result = staleBranchTags(
      [
        { tag: "1.0", digest: "sha256:a" },
        { tag: "1.0__gone", digest: "sha256:b" },
        { tag: "1.0__gone-archived-20261201T000000Z", digest: "sha256:c" },
        { tag: "1.0__fix-arm64", digest: "sha256:d" },
        { tag: "1.0__also-gone", digest: "sha256:a" },
      ],
      live,
      SUFFIXES,
    );
    expect(result.stale.map((t) => t.tag)).toEqual([
      "1.0__gone",
      "1.0__gone-archived-20261201T000000Z",
    ]);
    expect(result.sharing).toEqual([{ tag: "1.0__also-gone", digest: "sha256:a", holder: "1.0" }]);
  });
});

describe("staleDeployedFiles", () => {
  it("chooses the copies of deleted branches only, and no file of another form", () => {
    const live = new Set(["fix"]);
    const names = [
      "gromacs__2023.3.sif",
      "gromacs__2023.3-arm64.sif",
      "gromacs__2023.3__gone.sif",
      "gromacs__2023.3__fix.sif",
      "gromacs-analysis__2023.3__gone__amd64.sif",
      "nexus-storage__1.10.0__amd64.sif",
      "notes__x__gone.txt",
      "..__1__gone.sif",
      "-rf__1__gone.sif",
      "Gromacs__1__gone.sif",
    ];
    expect(staleDeployedFiles(names, live, SUFFIXES)).toEqual([
      { name: "gromacs__2023.3__gone.sif", branch: "gone" },
      { name: "gromacs-analysis__2023.3__gone__amd64.sif", branch: "gone" },
    ]);
  });
});
