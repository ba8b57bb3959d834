import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLockFile, type LockFile } from "../../../common/src/spack-specs.js";
import { SPACK_FIXTURES } from "../../../test/helpers/paths.js";
import { branchSlug, containerTag, gitlabSlug, mainPackageVersion } from "./tags.js";

async function lock(path: string): Promise<LockFile> {
  const parsed = parseLockFile(JSON.parse(await readFile(join(SPACK_FIXTURES, path), "utf8")));
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
}

describe("mainPackageVersion", () => {
  it.each([
    ["versions/v0.20-spack.lock", "libxslt~crypto", "1.1.33"],
    ["versions/v0.21-spack.lock", "libxslt@1.1 ~crypto ^xz", "1.1.33"],
    ["versions/v1.0-spack.lock", "libxslt~crypto", "1.1.42"],
    ["versions/v1.0-spack.lock", "xz os=debian12", "5.6.3"],
    ["scenarios-v0.21/small/spack.lock", "cmake", "3.27.7"],
    ["scenarios-v0.21/medium/spack.lock", "py-h5py+mpi ^hdf5+hl ^mpich ^py-cython@0.29", "3.8.0"],
  ])("%s: %s -> %s", async (path, spec, version) => {
    expect(mainPackageVersion(await lock(path), spec)).toBe(version);
  });

  it("says which package is missing", async () => {
    expect(mainPackageVersion(await lock("versions/v1.0-spack.lock"), "neuron@9")).toEqual({
      error: 'the concrete environment has no spec of the main package "neuron" (from "neuron@9")',
    });
  });
});

describe("containerTag", () => {
  it.each([
    ["3.8.0", true, "main", "", "3.8.0"],
    ["3.8.0", true, "main", "-arm64", "3.8.0-arm64"],
    ["3.8.0", false, "feature/New Solver!", "", "3.8.0__feature-new-solver-467a88a5"],
    ["2023-05-30", false, "fix", "-arm64", "2023-05-30__fix-arm64"],
    ["git.abc123=develop", true, "main", "", "git.abc123-develop"],
  ])("%s on %s/%s%s -> %s", (version, onDefaultBranch, branch, archSuffix, tag) => {
    expect(containerTag(version, { onDefaultBranch, branch, archSuffix })).toBe(tag);
  });

  it.each([
    ["main", "main"],
    ["release-1-2", "release-1-2"],
    ["feat/a", "feat-a-"],
    ["feat-a", "feat-a"],
    ["Feature/ABC_12--x", "feature-abc-12-x-"],
    ["feat_a", "feat-a-"],
  ])("gives %j the identity %j (plus a hash when slugging changed the name)", (branch, start) => {
    const id = branchSlug(branch);
    expect(id.startsWith(start)).toBe(true);
    expect(id === start).toBe(gitlabSlug(branch) === branch);
    expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("never gives two branches one identity, and is stable and at most 63 characters", () => {
    const branches = [
      "feat/a",
      "feat-a",
      "feat_a",
      "Feat/A",
      "feat//a",
      "x".repeat(80),
      `${"x".repeat(80)}/y`,
    ];
    const ids = branches.map(branchSlug);
    expect(new Set(ids).size).toBe(branches.length);
    expect(branches.map(branchSlug)).toEqual(ids);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(63);
  });
});
