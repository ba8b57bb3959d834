import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Architecture } from "../config/architecture.js";
import { rebuildSigning } from "./signing.js";

const arch = (keyVariable?: string) =>
  ({
    name: "amd64",
    cache: keyVariable ? { signing: { keyVariable, publicKey: "keys/cache.pub" } } : {},
  }) as unknown as Architecture;

describe("what a signed cache adds to the rebuild jobs", () => {
  it.each([
    ["unsigned", undefined, undefined],
    [
      "a key under a name of its own",
      "CACHE_SIGNING_KEY",
      { SPACK_SIGNING_KEY: "$CACHE_SIGNING_KEY", SPACK_REQUIRE_SIGNING: "True" },
    ],
    // A variable naming itself would stay "$SPACK_SIGNING_KEY" in GitLab: none is set.
    ["a key under Spack's name", "SPACK_SIGNING_KEY", { SPACK_REQUIRE_SIGNING: "True" }],
  ])("%s", (_, keyVariable, variables) => {
    expect(rebuildSigning(arch(keyVariable))?.variables).toEqual(variables);
  });

  it.each([
    ["set", "LS0tLS1CRUdJTiBQR1A=", 0],
    ["unset", undefined, 1],
    ["empty", "", 1],
    // What GitLab leaves of `$NAME` when NAME is not defined for the pipeline.
    ["the unexpanded reference", "$CACHE_SIGNING_KEY", 1],
  ])("its first line passes only when the key arrived: %s", (_, value, status) => {
    const { check } = rebuildSigning(arch("CACHE_SIGNING_KEY"))!;
    const result = spawnSync("bash", ["-e", "-c", `${check}\necho went on`], {
      encoding: "utf8",
      // Not a socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: "/usr/bin:/bin", ...(value === undefined ? {} : { SPACK_SIGNING_KEY: value }) },
    });
    expect(result.status).toBe(status);
    if (status === 0) expect(result.stdout).toBe("went on\n");
    else
      expect(result.stderr).toBe(
        "architectures.amd64.cache.signing: the CI variable CACHE_SIGNING_KEY is not set in this pipeline (a protected variable reaches protected branches only): set it, masked, for every branch that builds, or remove cache.signing\n",
      );
  });
});
