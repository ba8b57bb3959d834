import { OUTPUT_MARKER } from "../../common/src/replace-dir.js";
import { cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { GITLAB_DEFAULT_LIMITS, type CiLimits } from "../../common/src/ci/limits.js";
import { InputError } from "../../common/src/errors.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { expectProcessedInvariants, readOutputs } from "../../test/helpers/spack-invariants.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { generateSpackOutputs } from "../../test/synthetic/spack-output.js";
import { processSpackPipeline } from "../src/commands/process-spack-pipeline.js";

const SCENARIOS = [
  "tiny",
  "small",
  "medium",
  "medium-legacy",
  "small-prepopulated",
  "large",
  "large-incremental",
];
const ARTIFACTS = "spack.artifacts.amd64";

type Limits = Partial<CiLimits & { maxPipelinesPerHierarchy: number }>;

/** A repository whose configuration has the given limits. */
async function repoWithLimits(limits: Limits): Promise<string> {
  const repo = await exampleRepo();
  const lines = Object.entries(limits).map(([k, v]) => `  ${k}: ${v}`);
  if (lines.length > 0)
    await writeFile(
      join(repo, "spacktainers.config.yaml"),
      `${await readFile(join(repo, "spacktainers.config.yaml"), "utf8")}limits:\n${lines.join("\n")}\n`,
    );
  return repo;
}

async function process(inputDir: string, limits: Limits = {}) {
  const repo = await repoWithLimits(limits);
  const outputDir = join(await tempDir(), ARTIFACTS);
  const output = memoryOutput();
  const summary = await processSpackPipeline(
    {
      repoRoot: repo,
      configFile: "spacktainers.config.yaml",
      arch: "amd64",
      inputDir,
      outputDir,
      artifactsDir: ARTIFACTS,
    },
    output,
  );
  const all = (await readdir(outputDir)).filter((f) => f !== OUTPUT_MARKER).sort();
  // The pipelines, and beside the trigger file its picture.
  expect(all.filter((f) => !f.endsWith(".yaml"))).toEqual(["spack_pipeline.md"]);
  const names = all.filter((f) => f.endsWith(".yaml"));
  const files = await readOutputs(outputDir, names);
  await expectProcessedInvariants(inputDir, ARTIFACTS, files, {
    ...GITLAB_DEFAULT_LIMITS,
    ...limits,
  });
  // Deterministic: a second run writes the same bytes.
  const again = join(await tempDir(), ARTIFACTS);
  await processSpackPipeline(
    {
      repoRoot: repo,
      configFile: "spacktainers.config.yaml",
      arch: "amd64",
      inputDir,
      outputDir: again,
      artifactsDir: ARTIFACTS,
    },
    memoryOutput(),
  );
  expect(await readOutputs(again, files.keys())).toEqual(files);
  return { summary, files, line: output.lines.join("\n") };
}

/** Spack's outputs laid out as the generate jobs leave them: `<container>/pipeline.yml`. */
async function fixtureInput(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [container, source] of Object.entries(files)) {
    await mkdir(join(dir, container));
    await cp(source, join(dir, container, "pipeline.yml"));
  }
  return dir;
}

async function syntheticInput(
  uniqueJobs: number,
  containers: number,
  extra: { anchors?: boolean; maxDependencies?: number } = {},
): Promise<string> {
  const dir = await tempDir();
  const outputs = generateSpackOutputs({
    uniqueJobs,
    containers,
    rootsPerContainer: 2,
    maxDependencies: extra.maxDependencies ?? 4,
    seed: uniqueJobs,
    ...(extra.anchors ? { anchors: true } : {}),
  });
  for (const [container, text] of outputs) {
    await mkdir(join(dir, container));
    await writeFile(join(dir, container, "pipeline.yml"), text);
  }
  return dir;
}

describe("jc process-spack-pipeline on real spack outputs", () => {
  it.each(SCENARIOS)("scenario %s alone", async (scenario) => {
    const input = await fixtureInput({
      [scenario]: join(SPACK_FIXTURES, "scenarios-v0.21", scenario, "pipeline.yml"),
    });
    const { summary } = await process(input);
    expect(summary.jobsIn).toBe(summary.jobsOut);
  });

  it("merges every scenario of one arch, keeping one job per DAG hash", async () => {
    const input = await fixtureInput(
      Object.fromEntries(
        SCENARIOS.map((s) => [s, join(SPACK_FIXTURES, "scenarios-v0.21", s, "pipeline.yml")]),
      ),
    );
    const { summary, line } = await process(input);
    expect(summary.jobsIn).toBe(2 + 16 + 58 + 58 + 313 + 5);
    expect(summary.duplicatesRemoved).toBeGreaterThan(100); // medium-legacy repeats medium; small and tiny sit inside large
    expect(line).toMatch(
      /^jobs in: 452, jobs out: \d+, duplicates removed: \d+, child pipelines: \d+, biggest file: \d+ bytes, \d+ bytes per job\n/,
    );
    expect(line).toMatch(
      /^ {2}build cache: build-cache\.yaml, 343 jobs, \d+ bytes, starts at once$/m,
    );
    expect(line).toMatch(/^ {2}estimated makespan \d+ min with unlimited runners; .* \(1\.00x\)$/m);
  });

  it.each([
    ["v0.20", ["v0.20-small.yaml"]],
    ["v0.21", ["v0.21-small.yaml", "v0.21-partial-pruned.yaml", "v0.21-no-specs-to-rebuild.yaml"]],
    [
      "v0.23 (anchors and aliases)",
      ["v0.23-small-anchors.yaml", "v0.23-partial-pruned.yaml", "v0.23-no-specs-to-rebuild.yaml"],
    ],
    ["v1.0", ["v1.0-partial-pruned.yaml", "v1.0-no-specs-to-rebuild.yaml"]],
  ])("Spack %s outputs", async (_version, names) => {
    const input = await fixtureInput(
      Object.fromEntries(
        names.map((n) => [n.replace(/\.yaml$/, ""), join(SPACK_FIXTURES, "versions", n)]),
      ),
    );
    const { files } = await process(input);
    for (const text of files.values()) expect(text).not.toMatch(/: null$/m);
  });

  it("emits one valid no-op pipeline when nothing is to be rebuilt", async () => {
    const input = await fixtureInput({
      a: join(SPACK_FIXTURES, "scenarios-v0.21/small-prepopulated/pipeline.yml"),
      b: join(SPACK_FIXTURES, "versions/v0.21-no-specs-to-rebuild.yaml"),
    });
    const { files, summary } = await process(input);
    expect([...files.keys()]).toEqual(["spack_pipeline.yaml"]);
    expect(Object.keys(load(files.get("spack_pipeline.yaml")!) as object)).toEqual([
      "no-specs-to-rebuild",
    ]);
    expect(summary.childPipelines).toBe(0);
  });

  it("points each job at the generate job of its container through $GENERATION_PIPELINE_ID", async () => {
    const input = await fixtureInput({
      small: join(SPACK_FIXTURES, "scenarios-v0.21/small/pipeline.yml"),
    });
    const { files } = await process(input);
    const text = [...files.values()].join("\n");
    expect(text).toContain("job: generate build cache population job for small for amd64");
    expect(text).not.toContain("'424242'");
    expect(text).toContain("AWS_SECRET_ACCESS_KEY: $CACHE_SECRET_ACCESS_KEY");
  });
});

describe("splitting within the limits", () => {
  it("splits the large scenario under a small byte budget, in stage order", async () => {
    const input = await fixtureInput({
      large: join(SPACK_FIXTURES, "scenarios-v0.21/large/pipeline.yml"),
    });
    const { summary } = await process(input, { maxFileBytes: 30_000 });
    expect(summary.childPipelines).toBeGreaterThan(10);
    expect(summary.biggestFileBytes).toBeLessThanOrEqual(30_000);
  });

  it("fails clearly when the trigger pipeline itself would be over the jobs limit", async () => {
    const input = await syntheticInput(1_000, 10);
    await expect(process(input, { maxJobsPerFile: 10 })).rejects.toThrow(
      /1000 rebuild jobs need \d+ child pipelines at the fewest, whose bridges and join jobs would be \d+ jobs in spack_pipeline\.yaml, over limits\.maxJobsPerFile \(10\): raise/,
    );
  });

  it("starts no more child pipelines than the arch's share of the pipeline hierarchy", async () => {
    const input = await syntheticInput(1_000, 10);
    // Two configured archs: each may start a quarter of the hierarchy's pipelines.
    const free = await process(input, { maxFileBytes: 40_000 });
    expect(free.summary.childPipelines).toBeGreaterThan(30);
    const { summary } = await process(input, {
      maxFileBytes: 40_000,
      maxPipelinesPerHierarchy: 120,
    });
    // The build-cache files take at most half of the arch's share; the services file is one more.
    expect(summary.files.length).toBeLessThanOrEqual(30);
    expect(summary.childPipelines).toBe(summary.files.length + 1);
    await expect(
      process(input, { maxFileBytes: 40_000, maxPipelinesPerHierarchy: 40 }),
    ).rejects.toThrow(
      /over the 10 this architecture may start \(half of its share of limits\.maxPipelinesPerHierarchy\): .* or limits\.maxPipelinesPerHierarchy where your GitLab allows more/,
    );
  });

  it("keeps every job under the needs limit", async () => {
    const input = await syntheticInput(600, 6, { maxDependencies: 12 });
    await process(input, { maxNeedsPerJob: 3 });
  });

  it("handles 5,000 synthetic jobs with anchors and aliases at default limits", async () => {
    const input = await syntheticInput(5_000, 20, { anchors: true });
    const { summary } = await process(input);
    expect(summary.jobsOut).toBe(5_000);
    expect(summary.biggestFileBytes).toBeLessThanOrEqual(GITLAB_DEFAULT_LIMITS.maxFileBytes);
  });
});

describe("bad input", () => {
  const cases: [string, string, RegExp][] = [
    ["unreadable YAML", "a: [b\nc: d\n", /broken\/pipeline\.yml:\d+: cannot read/],
    ["a list, not a pipeline", "- a\n- b\n", /broken\/pipeline\.yml: not a pipeline/],
    [
      "a build job without a stage",
      "x /abc:\n  variables: {SPACK_JOB_SPEC_DAG_HASH: abc}\n  script: [a]\n",
      /broken\/pipeline\.yml: x \/abc: stage null is not "stage-N"/,
    ],
    [
      "a stage that is not stage-N",
      "x /abc:\n  stage: build\n  variables: {SPACK_JOB_SPEC_DAG_HASH: abc}\n  script: [a]\n",
      /stage "build" is not "stage-N"/,
    ],
    [
      "a job that is not spack's",
      "hello:\n  stage: stage-0\n  script: [a]\n",
      /hello: job has no SPACK_JOB_SPEC_DAG_HASH/,
    ],
  ];
  it.each(cases)("%s: names the file, writes nothing", async (_name, text, pattern) => {
    const input = await fixtureInput({
      good: join(SPACK_FIXTURES, "scenarios-v0.21/tiny/pipeline.yml"),
    });
    await mkdir(join(input, "broken"));
    await writeFile(join(input, "broken", "pipeline.yml"), text);
    const outputDir = join(await tempDir(), ARTIFACTS);
    const error = await processSpackPipeline(
      {
        repoRoot: await exampleRepo(),
        configFile: "spacktainers.config.yaml",
        arch: "amd64",
        inputDir: input,
        outputDir,
        artifactsDir: ARTIFACTS,
      },
      memoryOutput(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(pattern);
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
  });

  it("rejects two jobs of one name with different DAG hashes, naming both files", async () => {
    const input = await tempDir();
    for (const [container, hash] of [
      ["a", "hash-one"],
      ["b", "hash-two"],
    ] as const) {
      await mkdir(join(input, container));
      await writeFile(
        join(input, container, "pipeline.yml"),
        `zlib /abc:\n  stage: stage-0\n  variables: {SPACK_JOB_SPEC_DAG_HASH: ${hash}}\n  script: [a]\n`,
      );
    }
    const error = await processSpackPipeline(
      {
        repoRoot: await exampleRepo(),
        configFile: "spacktainers.config.yaml",
        arch: "amd64",
        inputDir: input,
        outputDir: join(await tempDir(), "out"),
        artifactsDir: "out",
      },
      memoryOutput(),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /b\/pipeline\.yml: zlib \/abc: conflicts with the job of the same name in .*a\/pipeline\.yml, which builds hash-one, not hash-two/,
    );
  });
});
