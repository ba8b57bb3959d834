import { describe, expect, it } from "vitest";
import type { PublishTargetConfig } from "../config/schema.js";
import { changedInputs, decideContainer, withCacheCoverage } from "./decide.js";
import { factsNeeded, gatherFacts, UNCHECKED_FACTS, type WorkflowChecks } from "./facts.js";
import { inputLabel, type ChecksumInput, type SpackTarget } from "./targets.js";

const LABELS = {
  "org.spacktainers.spack-lock.sha256": "aaa",
  "org.spacktainers.container.checksum": "ccc",
};
const target = {
  kind: "spack",
  name: "gromacs",
  arch: "amd64",
  tag: "2023.3",
  repository: "$CI_REGISTRY_IMAGE/spacktainers/gromacs",
  labels: LABELS,
  sifKey: "containers/gromacs__2023.3.sif",
  sifMetadata: { "container-checksum": "ccc" },
  inputs: {
    definition: "d2",
    files: "f1",
    fetched: "x1",
    "base-images": "b1",
    "base-container": "e",
  },
} as unknown as SpackTarget;
const hub: PublishTargetConfig = {
  name: "hub",
  registry: "docker.io",
  namespace: "org",
  credentials: { userVariable: "U", passwordVariable: "P" },
};

/** In-memory answers: labels per image reference, metadata of the SIF file. */
const checks = (
  images: Record<string, Record<string, string>>,
  sif?: Record<string, string>,
): WorkflowChecks => ({
  imageLabels: (ref) => Promise.resolve(images[ref]),
  sifMetadata: () => Promise.resolve(sif),
});
const OURS = "$CI_REGISTRY_IMAGE/spacktainers/gromacs:2023.3";
const THEIRS = "docker.io/org/gromacs:2023.3";
const SIF = { "container-checksum": "ccc" };

describe("decideContainer", () => {
  it.each([
    ["nothing exists: build, convert, publish", {}, undefined, ["build", "sif", "publish"]],
    ["all current: nothing", { [OURS]: LABELS, [THEIRS]: LABELS }, SIF, []],
    // A rebuilt image is converted anew: its SIF file's metadata are not asked for.
    [
      "our image's lock label differs: build (and it says which), convert",
      { [OURS]: { ...LABELS, "org.spacktainers.spack-lock.sha256": "old" }, [THEIRS]: LABELS },
      SIF,
      ["build", "sif"],
    ],
    // The copy is compared with the labels our image carries, so a stale copy is republished
    // although our own image is current.
    [
      "only the published copy is stale: publish only",
      { [OURS]: LABELS, [THEIRS]: { ...LABELS, "org.spacktainers.container.checksum": "old" } },
      SIF,
      ["publish"],
    ],
    [
      "only the SIF file is missing: convert only",
      { [OURS]: LABELS, [THEIRS]: LABELS },
      undefined,
      ["sif"],
    ],
  ] as const)("%s", async (_, images, sif, steps) => {
    const facts = await gatherFacts(factsNeeded(target, [hub]), checks(images, sif));
    const decision = decideContainer(target, [hub], facts);
    const taken = [
      ...(decision.build ? ["build"] : []),
      ...(decision.sif ? ["sif"] : []),
      ...(decision.publish.length ? ["publish"] : []),
    ];
    expect(taken).toEqual(steps);
    const ours = (images as Record<string, unknown>)[OURS];
    if (decision.build && ours)
      expect(decision.build.reason).toMatch(/spack-lock\.sha256 old -> aaa/);
  });

  it("shows a found label's control characters escaped: whoever pushed the image chose it", async () => {
    const hostile = { ...LABELS, "org.spacktainers.spack-lock.sha256": "\x1b[2J\r\n" };
    const facts = await gatherFacts(factsNeeded(target, []), checks({ [OURS]: hostile }, SIF));
    expect(decideContainer(target, [], facts).build?.reason).toBe(
      "image differs: org.spacktainers.spack-lock.sha256 \\u001b[2J\\u000d\\u000a -> aaa",
    );
  });

  it("forced: every step although all is current, each saying so", async () => {
    const facts = await gatherFacts(
      factsNeeded(target, [hub]),
      checks({ [OURS]: LABELS, [THEIRS]: LABELS }, SIF),
    );
    const decision = decideContainer(target, [hub], facts, true);
    expect([decision.build?.reason, decision.sif?.reason, decision.publish[0]?.reason]).toEqual([
      "forced (--force)",
      "forced (--force)",
      "forced (--force)",
    ]);
    expect(decision.publish[0]?.ref).toBe(THEIRS);
    expect(decision.upToDate).toEqual([]);
  });

  it("offline, everything is planned, each step saying it was not checked", () => {
    const decision = decideContainer(target, [hub], UNCHECKED_FACTS);
    expect([decision.build?.reason, decision.sif?.reason, decision.publish[0]?.reason]).toEqual([
      "not checked (offline)",
      "not checked (offline)",
      "not checked (offline)",
    ]);
  });

  /** Lookups that answer after 10 ms, each noting how many had answered when it was asked. */
  const recording = (images: Record<string, Record<string, string>>) => {
    const asked: string[] = [];
    let answered = 0;
    const answer = async <T>(what: string, value: T) => {
      asked.push(`${what} after ${answered} answers`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      answered++;
      return value;
    };
    const checks: WorkflowChecks = {
      imageLabels: (ref) => answer(ref, images[ref]),
      sifMetadata: (_, key) => answer(key, SIF),
    };
    return { asked, checks };
  };

  it("asks each lookup once, the images all before the first answer, the SIF file after its image", async () => {
    const { asked, checks } = recording({ [OURS]: LABELS });
    const requests = [...factsNeeded(target, [hub]), ...factsNeeded(target, [hub])];
    await gatherFacts(requests, checks);
    expect(asked).toEqual([
      `${OURS} after 0 answers`,
      `${THEIRS} after 0 answers`,
      "containers/gromacs__2023.3.sif after 1 answers",
    ]);
  });

  it("never asks for the SIF file of an image that is rebuilt, and says why it is converted", async () => {
    for (const ours of [undefined, { ...LABELS, "org.spacktainers.container.checksum": "old" }]) {
      const { asked, checks } = recording(ours ? { [OURS]: ours } : {});
      const facts = await gatherFacts(factsNeeded(target, [hub]), checks);
      expect(asked).toEqual([`${OURS} after 0 answers`, `${THEIRS} after 0 answers`]);
      const decision = decideContainer(target, [hub], facts);
      expect([decision.build?.reason, decision.sif?.reason]).toEqual([
        ours ? expect.stringMatching(/^image differs: .*checksum old -> ccc/) : "image missing",
        "made from the new image",
      ]);
    }
  });

  // A run that starts after the containers stage (`--from deploy`) rebuilds nothing: the SIF
  // file there is, current or not, is what it works with.
  it("asks for the SIF file of a stale image in a run that builds none, and keeps a current one", async () => {
    const { asked, checks } = recording({ [THEIRS]: LABELS });
    const facts = await gatherFacts(factsNeeded(target, [hub], [], false), checks);
    expect(asked).toContain("containers/gromacs__2023.3.sif after 0 answers");
    const decision = decideContainer(target, [hub], facts);
    expect([decision.build?.reason, decision.sif]).toEqual(["image missing", undefined]);
  });

  it("reports the first failure in the order asked, whichever failed first", async () => {
    const failing: WorkflowChecks = {
      // Our image's lookup fails late, the SIF lookup early: ours is reported.
      imageLabels: async (ref) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        throw new Error(`registry refused ${ref}`);
      },
      sifMetadata: () => Promise.reject(new Error("bucket refused")),
    };
    await expect(gatherFacts(factsNeeded(target, [hub]), failing)).rejects.toThrow(
      `registry refused ${OURS}`,
    );
  });

  it("refuses a decision on a fact nobody gathered", async () => {
    const facts = await gatherFacts([], checks({}));
    expect(() => decideContainer(target, [hub], facts)).toThrow(/no fact was gathered/);
  });
});

describe("changedInputs", () => {
  const recorded = (digests: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(digests).map(([k, v]) => [inputLabel(k as ChecksumInput), v]),
    );

  it.each([
    ["the definition changed", { ...target.inputs, definition: "d1" }, ["its definition"]],
    [
      "definition and base images changed",
      { ...target.inputs, definition: "d1", "base-images": "b0" },
      ["its definition", "its base images (their build folders, tools or Spack commit)"],
    ],
    ["nothing changed", target.inputs, []],
    // Built before the digests were recorded: nothing can be named, nothing is guessed.
    ["an image without input labels", {}, []],
  ])("%s", (_what, found, expected) => {
    expect(changedInputs(target, { ...LABELS, ...recorded(found) }, inputLabel)).toEqual(expected);
  });
});

describe("withCacheCoverage", () => {
  const withSpecs = {
    ...target,
    specs: new Map([
      ["h1", "zlib"],
      ["h2", "fftw"],
      ["h3", "gromacs"],
    ]),
  } as SpackTarget;
  const decision = { target: withSpecs, publish: [], upToDate: [] };

  it.each([
    ["one bucket with two of three", [new Set(["h1", "h3"])], { total: 3, missing: ["fftw"] }],
    // A branch reads its own cache and the default branch's: either may hold a package.
    ["two buckets together", [new Set(["h1"]), new Set(["h2", "h3"])], { total: 3, missing: [] }],
    ["an empty cache", [new Set<string>()], { total: 3, missing: ["fftw", "gromacs", "zlib"] }],
  ])("%s", (_what, cached, packages) => {
    expect(withCacheCoverage(decision, cached).packages).toEqual(packages);
  });

  it("says nothing when a bucket is unknown or nothing was asked", () => {
    expect(withCacheCoverage(decision, [new Set(["h1"]), undefined]).packages).toBeUndefined();
    expect(withCacheCoverage(decision, []).packages).toBeUndefined();
  });
});
