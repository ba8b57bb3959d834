import { describe, expect, it } from "vitest";
import { specPackageName } from "./spec-name.js";

describe("specPackageName", () => {
  it.each([
    ["neuron", "neuron"],
    ["neuron@9.0.0", "neuron"],
    ["pkg@1.2 +var ^dep os=x", "pkg"],
    ["py-numpy+blas~lapack", "py-numpy"],
    ["gromacs@2024.3 +mpi ~double", "gromacs"],
    ["hdf5%gcc@12", "hdf5"],
    ["zlib/abcdef", "zlib"],
    ["builtin.zlib@1.3", "zlib"],
    ["  py-h5py ~mpi", "py-h5py"],
    ["r-base@4 os=ubuntu22.04", "r-base"],
    ["openmpi fabrics=ofi", "openmpi"],
    ["ca-certificates-mozilla@2023-05-30", "ca-certificates-mozilla"],
    ["py-scipy@1.14 ^openblas threads=openmp", "py-scipy"],
  ])("%s -> %s", (spec, name) => {
    expect(specPackageName(spec)).toBe(name);
  });

  it.each(["@1.2", "+mpi", "^zlib", "", "target=x86_64"])(
    "rejects the anonymous spec %j",
    (spec) => {
      expect(specPackageName(spec)).toHaveProperty("error");
    },
  );
});
