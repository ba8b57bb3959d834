import { describe, expect, it } from "vitest";
import { compilerProblems } from "./compilers.js";
import type { Config } from "./schema.js";

const config = (baseArch: string, builderCompilers = ["gcc@11", "gcc@12"]) =>
  ({
    images: { builderCompilers },
    architectures: { amd64: { baseArch } },
  }) as unknown as Config;

describe("compilerProblems", () => {
  it.each([
    ["%gcc@12 os=ubuntu22.04 target=x86_64_v3", true],
    ["%gcc@12.3.0 target=x86_64_v3", true],
    ["%gcc target=x86_64_v3", true],
    ["target=x86_64_v3", true],
    ["%gcc@11:13", true],
    ["%gcc@13 os=ubuntu22.04", false],
    ["%gcc@1 os=ubuntu22.04", false],
    ["%clang@17", false],
    ["%gcc@12 ^%clang", false],
  ])("%s is provided: %s", (baseArch, ok) => {
    const problems = compilerProblems(config(baseArch));
    expect(problems.length === 0).toBe(ok);
    if (!ok) expect(problems[0]!.message).toMatch(/images\.builderCompilers: gcc@11, gcc@12/);
  });
});
