import { describe, expect, it } from "vitest";
import type { CiVariableValue } from "../../../common/src/ci/types.js";
import { descriptionsNamed, rebuildJobRewriter, withoutUnusedDescriptions } from "./rewrite.js";

const SPEC = {
  SPACK_JOB_SPEC_DAG_HASH: "tpbftcums5twwmt7lggoprfhjphupnjo",
  SPACK_JOB_SPEC_PKG_NAME: "gmake",
  SPACK_JOB_SPEC_PKG_VERSION: "4.4.1",
  SPACK_JOB_SPEC_COMPILER_NAME: "gcc",
  SPACK_JOB_SPEC_COMPILER_VERSION: "12.2.0",
  SPACK_JOB_SPEC_ARCH: "linux-debian12-x86_64_v3",
  SPACK_JOB_SPEC_VARIANTS: "~guile build_system=generic",
};

describe("descriptionsNamed", () => {
  const cases: [string, string[], string[]][] = [
    ["no script names one", ["spack ci rebuild", "echo $SPACK_JOB_SPEC_PKG_NAME"], []],
    ["$NAME", ["echo $SPACK_JOB_SPEC_ARCH"], ["SPACK_JOB_SPEC_ARCH"]],
    [
      "${NAME} and a second line",
      ['echo "${SPACK_JOB_SPEC_VARIANTS}"', "x=$SPACK_JOB_SPEC_PKG_VERSION-1"],
      ["SPACK_JOB_SPEC_VARIANTS", "SPACK_JOB_SPEC_PKG_VERSION"],
    ],
    ["a longer name is not the description", ["$SPACK_JOB_SPEC_ARCH_FAMILY"], []],
  ];
  it.each(cases)("%s", (_, texts, named) => {
    expect([...descriptionsNamed(texts)].sort()).toEqual([...named].sort());
  });
});

describe("withoutUnusedDescriptions", () => {
  const cases: [string, Record<string, CiVariableValue>, string[], string[]][] = [
    [
      "drops the five descriptions, keeps the name and hash in their order",
      { A: "1", ...SPEC, B: "2" },
      [],
      ["A", "SPACK_JOB_SPEC_DAG_HASH", "SPACK_JOB_SPEC_PKG_NAME", "B"],
    ],
    [
      "keeps one a script names",
      SPEC,
      ["SPACK_JOB_SPEC_ARCH"],
      ["SPACK_JOB_SPEC_DAG_HASH", "SPACK_JOB_SPEC_PKG_NAME", "SPACK_JOB_SPEC_ARCH"],
    ],
    [
      "keeps one another variable's value names",
      { ...SPEC, LABEL: "built for ${SPACK_JOB_SPEC_ARCH}" },
      [],
      ["SPACK_JOB_SPEC_DAG_HASH", "SPACK_JOB_SPEC_PKG_NAME", "SPACK_JOB_SPEC_ARCH", "LABEL"],
    ],
    [
      "reads the expanded form's value",
      { ...SPEC, LABEL: { value: "$SPACK_JOB_SPEC_PKG_VERSION", expand: true } },
      [],
      ["SPACK_JOB_SPEC_DAG_HASH", "SPACK_JOB_SPEC_PKG_NAME", "SPACK_JOB_SPEC_PKG_VERSION", "LABEL"],
    ],
    [
      "a description naming another keeps neither (nothing else uses them)",
      { ...SPEC, SPACK_JOB_SPEC_VARIANTS: "$SPACK_JOB_SPEC_ARCH" },
      [],
      ["SPACK_JOB_SPEC_DAG_HASH", "SPACK_JOB_SPEC_PKG_NAME"],
    ],
  ];
  it.each(cases)("%s", (_, variables, namedInScripts, kept) => {
    const result = withoutUnusedDescriptions(variables, SPEC, new Set(namedInScripts));
    expect(Object.keys(result)).toEqual(kept);
    for (const name of kept) expect(result[name]).toEqual(variables[name]);
  });
});

describe("rebuildJobRewriter", () => {
  const rewrite = rebuildJobRewriter({
    tags: ["kubernetes"],
    defaultVariables: { SPACK_JOB_SPEC_ARCH: "from the configuration" },
    forcedVariables: { AWS_ACCESS_KEY_ID: "$CACHE_ACCESS_KEY_ID" },
    timeout: "4h",
    imagePullPolicy: "always",
    generateNeed: (container) => ({ pipeline: "$P", job: `generate ${container}` }),
  });

  it("keeps the descriptions Spack's script uses, and only those", () => {
    const job = rewrite(
      {
        stage: "stage-0",
        script: ["spack ci rebuild", 'echo "target: $SPACK_JOB_SPEC_ARCH"'],
        variables: SPEC,
      },
      {},
    );
    expect(job.variables).toEqual({
      SPACK_JOB_SPEC_ARCH: "linux-debian12-x86_64_v3",
      SPACK_JOB_SPEC_DAG_HASH: SPEC.SPACK_JOB_SPEC_DAG_HASH,
      SPACK_JOB_SPEC_PKG_NAME: "gmake",
      AWS_ACCESS_KEY_ID: "$CACHE_ACCESS_KEY_ID",
    });
  });

  it("drops them all when no script uses them", () => {
    const job = rewrite({ stage: "stage-0", script: ["spack ci rebuild"], variables: SPEC }, {});
    expect(Object.keys(job.variables ?? {})).toEqual([
      "SPACK_JOB_SPEC_DAG_HASH",
      "SPACK_JOB_SPEC_PKG_NAME",
      "AWS_ACCESS_KEY_ID",
    ]);
  });

  it("never drops what the configuration sets, nor what Spack did not write on the job", () => {
    const { SPACK_JOB_SPEC_ARCH: _, ...withoutArch } = SPEC;
    const job = rewrite(
      { stage: "stage-0", script: ["spack ci rebuild"], variables: withoutArch },
      { SPACK_JOB_SPEC_VARIANTS: "+file-level" },
    );
    expect(job.variables).toMatchObject({ SPACK_JOB_SPEC_ARCH: "from the configuration" });
    expect(job.variables).not.toHaveProperty("SPACK_JOB_SPEC_VARIANTS");
  });
});
