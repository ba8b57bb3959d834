import { describe, expect, it } from "vitest";
import { specSyntaxProblem } from "./spec-syntax.js";

describe("specSyntaxProblem", () => {
  it.each([
    "zlib",
    "zlib-ng@2.2.1",
    "gromacs@2024.3 +mpi ~double",
    "py-scipy@1.14 ^openblas threads=openmp",
    "hdf5@1.14: +mpi ^openmpi@4.1 fabrics=ucx",
    "builtin.zlib@=1.3.1 %gcc@12.3.0 target=x86_64_v3",
    'cmake cflags="-O3 -g" ^zlib/abcdefg',
    "neuron@9.0 ++coreneuron ~~debug",
    "py-numpy@1.26:1.26.4,2.0",
  ])("accepts %j", (spec) => {
    expect(specSyntaxProblem(spec)).toBeUndefined();
  });

  it.each([
    ["zlib-ng@@2.2.1", /cannot read "@@2.2.1" at column 8/],
    ["zlib-ng +", /cannot read "\+" at column 9/],
    ["^zlib", /does not start with a package name/],
    ["zlib-ng@2.2.1 %gcc@", /cannot read "@" at column 19/],
    ["zlib-ng - curl", /two list items folded into one/],
    ["zlib curl", /more than one spec/],
    ["zlib ^", /must be followed by a package name/],
    ["zlib ^+mpi", /must be followed by a package name/],
  ])("refuses %j", (spec, message) => {
    expect(specSyntaxProblem(spec)).toMatch(message);
  });
});
