import { appendFile, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, processArgs } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

/** A repository with the `small` scenario's Spack output as one container's. */
async function repoWithSmall(): Promise<string> {
  const repo = await exampleRepo();
  await mkdir(join(repo, "in", "small"), { recursive: true });
  await copyFile(
    join(SPACK_FIXTURES, "scenarios-v0.21/small/pipeline.yml"),
    join(repo, "in", "small", "pipeline.yml"),
  );
  return repo;
}

const run = (repo: string, ...extra: string[]) =>
  runCaptured(buildProgram(), [
    ...processArgs(repo, join(repo, "in"), join(repo, "out"), "out"),
    ...extra,
  ]);

interface JsonPlan {
  jobsOut: number;
  bytesPerJob: number;
  files: { file: string; bridge: string; jobs: number; after: string[] }[];
  estimate: { minutes: number; criticalPathMinutes: number; longestChain: string[] };
}

describe("the plan of jc process-spack-pipeline", () => {
  it("lists the files, what each waits for and the estimated makespan", async () => {
    const repo = await repoWithSmall();
    const result = await run(repo);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^jobs in: 16, jobs out: 16, .* \d+ bytes per job$/m);
    expect(result.stdout).toContain("  build cache: build-cache.yaml, 16 jobs, ");
    expect(result.stdout).toContain("  longest chain of bridges: build cache\n");
    // 9 levels of 10 minutes each when no durations are given.
    expect(result.stdout).toContain(
      "estimated makespan 90 min with unlimited runners; the dependency graph's critical path 90 min (1.00x)",
    );
  });

  it("prints the same as JSON with --json, with the durations of --durations", async () => {
    const repo = await repoWithSmall();
    await writeFile(join(repo, "minutes.yaml"), "default: 1\nperl: 100\n");
    const result = await run(repo, "--json", "--durations", "minutes.yaml");
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as JsonPlan;
    expect(plan.jobsOut).toBe(16);
    expect(plan.files).toEqual([
      {
        file: "build-cache.yaml",
        bridge: "build cache",
        jobs: 16,
        bytes: expect.any(Number),
        after: [],
      },
    ]);
    // perl sits on the longest chain: 100 minutes plus one per other level.
    expect(plan.estimate.criticalPathMinutes).toBeGreaterThan(100);
    expect(plan.estimate.criticalPathMinutes).toBeLessThan(110);
    expect(plan.estimate.minutes).toBe(plan.estimate.criticalPathMinutes);
    expect(plan.estimate.longestChain).toEqual(["build cache"]);
  });

  it("takes the durations of the configuration's buildJobs.minutes without --durations", async () => {
    const repo = await repoWithSmall();
    const config = join(repo, "spacktainers.config.yaml");
    await appendFile(config, "buildJobs:\n  minutes:\n    default: 1\n    perl: 100\n");
    const fromConfig = JSON.parse((await run(repo, "--json")).stdout) as JsonPlan;
    await writeFile(join(repo, "minutes.yaml"), "default: 2\n");
    const fromFile = JSON.parse(
      (await run(repo, "--json", "--durations", "minutes.yaml")).stdout,
    ) as JsonPlan;
    expect(fromConfig.estimate.criticalPathMinutes).toBeGreaterThan(100);
    // The file wins: every package 2 minutes, 9 levels.
    expect(fromFile.estimate.criticalPathMinutes).toBe(18);
  });

  it.each([
    ["a negative duration", "zlib: -3\n", /minutes\.yaml:1: zlib: must be > 0/],
    ["a word", "zlib: ten\n", /minutes\.yaml:1: zlib: expected number/],
    ["a list", "- zlib\n", /minutes\.yaml:1: expected object/],
    [
      "a bad value on line 3",
      "cmake: 5\nllvm: 90\nzlib: 0\n",
      /minutes\.yaml:3: zlib: must be > 0/,
    ],
    ["a duplicate key", "zlib: 3\ncmake: 5\nzlib: 4\n", /minutes\.yaml:3: duplicate key "zlib"/],
    ["broken YAML", "zlib: [3\n", /minutes\.yaml:\d+: invalid YAML/],
    [
      "aliases that expand too far",
      `a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`,
      /minutes\.yaml: refused: its aliases expand too far/,
    ],
  ])("refuses a durations file with %s (exit 2, nothing written)", async (_name, text, pattern) => {
    const repo = await repoWithSmall();
    await writeFile(join(repo, "minutes.yaml"), text);
    const result = await run(repo, "--durations", "minutes.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    await expect(readdir(join(repo, "out"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a durations file that is not there (exit 2)", async () => {
    const repo = await repoWithSmall();
    const result = await run(repo, "--durations", "nowhere.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nowhere\.yaml: cannot read: no such file/);
  });

  it.each(["$(id)", "/cache", "a;b", "x\ny"])(
    "refuses --index-resource-group %j, which GitLab would refuse (exit 2, nothing written)",
    async (name) => {
      const repo = await repoWithSmall();
      const result = await run(repo, "--index-resource-group", name);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/GitLab accepts only letters, digits, .* in a resource_group/);
      expect(await readdir(repo)).not.toContain("out");
    },
  );

  it("takes a resource group with the characters GitLab allows", async () => {
    const repo = await repoWithSmall();
    const result = await run(repo, "--index-resource-group", "cache ${CI_PROJECT_ID}/amd64.x_y-z");
    expect(result.code, result.stderr).toBe(0);
    const files = await readdir(join(repo, "out"));
    const texts = await Promise.all(
      files.filter((f) => f.endsWith(".yaml")).map((f) => readFile(join(repo, "out", f), "utf8")),
    );
    expect(texts.join("\n")).toContain("resource_group: cache ${CI_PROJECT_ID}/amd64.x_y-z\n");
  });
});
