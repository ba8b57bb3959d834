import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../job-creator/src/program.js";
import { SPACK_FIXTURES } from "../helpers/paths.js";
import { runCaptured } from "../helpers/program.js";
import { exampleRepo, processArgs, signCache, tempDir } from "../helpers/temp-repo.js";
import { PipelineRunner, type PipelineRecord } from "./runner/pipeline-runner.js";
import { allJobs } from "./runner/records.js";

/**
 * The processed pipelines of Spack releases that cannot run here (v0.23, v1.0: their
 * `spack ci generate` output is in the fixtures), run the way the v0.21 ones run in
 * pipelines-run.test.ts: the trigger pipeline, its child files and their rebuild and index
 * jobs, with artifacts and `needs` across pipelines. `spack` is a stand-in (listed in each
 * job's report) that checks what the real one would need: the concrete environment the job
 * fetched from its generate job, the spec's hash in that environment's lock file, the cache
 * credentials; and records what it was asked to rebuild.
 */

const SPACK_STAND_IN = `#!/bin/bash
set -euo pipefail
fail() { echo "spack stand-in: $*" >&2; exit 1; }
case "$*" in
  --version) echo "stand-in" ;;
  "env activate --without-view .")
    [ -f spack.yaml ] && [ -f spack.lock ] || fail "no concrete environment in $PWD" ;;
  "ci rebuild")
    [ -f spack.lock ] || fail "not in the concrete environment"
    grep -q "\\"$SPACK_JOB_SPEC_DAG_HASH\\"" spack.lock || fail "$SPACK_JOB_SPEC_DAG_HASH is not in the environment's lock"
    [ "$AWS_ACCESS_KEY_ID" = cache-key-id ] || fail "the cache key id did not arrive"
    [ "$AWS_SECRET_ACCESS_KEY" = cache-secret ] || fail "the cache secret did not arrive"
    [ -n "$SPACK_ARTIFACTS_ROOT" ] && [ -n "$SPACK_JOB_SPEC_PKG_NAME" ] || fail "Spack's job variables are missing"
    if [ "$SPACK_REQUIRE_SIGNING" = True ]; then
      [ "\${SPACK_SIGNING_KEY:-}" = c2lnbmluZyBrZXk= ] || fail "signing required, but the key did not arrive"
    fi
    echo "rebuild $SPACK_JOB_SPEC_DAG_HASH signing=$SPACK_REQUIRE_SIGNING" >> "$RELEASE_RUN_LOG" ;;
  "buildcache update-index "*) echo "update-index" >> "$RELEASE_RUN_LOG" ;;
  *) fail "unexpected arguments: $*" ;;
esac
`;

/** The v0.23 output was generated from the environment the v0.21 fixtures were. */
const V023 = {
  signed: false,
  release: "v0.23",
  env: "v0.21-env-spack.yaml",
  lock: "v0.21-spack.lock",
};
const V10 = { signed: false, release: "v1.0", env: "v1.0-env-spack.yaml", lock: "v1.0-spack.lock" };
const CASES = [
  { ...V023, output: "v0.23-small-anchors.yaml" },
  { ...V023, output: "v0.23-partial-pruned.yaml" },
  { ...V023, output: "v0.23-no-specs-to-rebuild.yaml" },
  { ...V10, output: "v1.0-small.yaml" },
  { ...V10, output: "v1.0-partial-pruned.yaml" },
  { ...V10, output: "v1.0-no-specs-to-rebuild.yaml" },
  // A signed cache: every rebuild job gets the key and requires signing.
  { ...V10, output: "v1.0-small.yaml", signed: true },
];

type SpackJob = { variables?: Record<string, string>; needs?: ({ job: string } | string)[] };

/** The specs Spack asked to rebuild, by hash, with the hashes each one needs. */
function specsOf(output: Record<string, unknown>): Map<string, string[]> {
  const jobs = Object.entries(output).filter(
    ([, job]) => (job as SpackJob)?.variables?.["SPACK_JOB_SPEC_DAG_HASH"],
  ) as [string, SpackJob][];
  const hashOf = new Map(
    jobs.map(([name, job]) => [name, job.variables!["SPACK_JOB_SPEC_DAG_HASH"]!]),
  );
  return new Map(
    jobs.map(([name, job]) => [
      hashOf.get(name)!,
      (job.needs ?? []).flatMap((n) => hashOf.get(typeof n === "string" ? n : n.job) ?? []),
    ]),
  );
}

describe("the processed pipelines of Spack releases that cannot run here, run", () => {
  it.each(CASES)("$output (signed: $signed)", async ({ output, env, lock, release, signed }) => {
    const work = await tempDir();
    const fixture = join(SPACK_FIXTURES, "versions", output);
    const spackOutput = load(await readFile(fixture, "utf8")) as Record<string, unknown>;
    // Nothing to rebuild: no spec variables, and no job reads the environment.
    const globals = (spackOutput["variables"] ?? {}) as Record<string, string>;
    const envDir = globals["SPACK_CONCRETE_ENV_DIR"] ?? "jobs_scratch_dir/env/concrete_environment";

    // What the generation pipeline leaves: the generate job's concrete environment, and
    // the processed files that `gather child artifacts` collects.
    const repo = await exampleRepo();
    if (signed) await signCache(repo);
    await mkdir(join(repo, "spack-output/env"), { recursive: true });
    await copyFile(fixture, join(repo, "spack-output/env/pipeline.yml"));
    const gathered = join(work, "gathered");
    const processed = await runCaptured(
      buildProgram(),
      processArgs(
        repo,
        join(repo, "spack-output"),
        join(gathered, "spack.artifacts.amd64"),
        "spack.artifacts.amd64",
      ),
    );
    expect(processed.code, processed.stderr).toBe(0);
    const generated = join(work, "generated");
    await mkdir(join(generated, envDir), { recursive: true });
    await copyFile(join(SPACK_FIXTURES, "versions", env), join(generated, envDir, "spack.yaml"));
    await copyFile(join(SPACK_FIXTURES, "versions", lock), join(generated, envDir, "spack.lock"));

    const bin = join(work, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "spack"), SPACK_STAND_IN);
    await chmod(join(bin, "spack"), 0o755);
    // Spack's own before_script sources the setup script of a Spack checkout.
    const checkout = join(work, "checkout");
    await mkdir(join(checkout, "share/spack"), { recursive: true });
    await writeFile(join(checkout, "share/spack/setup-env.sh"), "# the stand-in is on PATH\n");
    const log = join(work, "spack.log");
    await writeFile(log, "");

    const runner = new PipelineRunner({
      checkout,
      workRoot: join(work, "jobs"),
      firstId: 100,
      variables: {
        CI: "true",
        CACHE_ACCESS_KEY_ID: "cache-key-id",
        CACHE_SECRET_ACCESS_KEY: "cache-secret",
        CACHE_SIGNING_KEY: "c2lnbmluZyBrZXk=",
      },
      imageEnvironment: (image) =>
        image.startsWith("ghcr.io/spack/")
          ? {
              path: [bin],
              env: { RELEASE_RUN_LOG: log },
              standIns: [`spack ${release} (not installable offline; checks what it is given)`],
            }
          : {},
    });
    const generation: PipelineRecord = {
      id: 1,
      file: "the generation pipeline",
      status: "success",
      jobs: [
        { name: "gather child artifacts", artifactsDir: gathered },
        { name: "generate build cache population job for env for amd64", artifactsDir: generated },
      ].map((job, i) => ({
        ...job,
        id: i + 1,
        stage: "generate",
        status: "success",
        dotenv: {},
        output: "",
        standIns: [],
      })),
    };
    runner.pipelines.push(generation);
    const run = await runner.run(join(gathered, "spack.artifacts.amd64/spack_pipeline.yaml"), {
      variables: { PARENT_PIPELINE_ID: "1", GENERATION_PIPELINE_ID: "1" },
    });
    const failed = allJobs(run)
      .map(({ job }) => job)
      .filter((j) => j.status === "failed");
    expect(failed.map((j) => `${j.name}\n${j.output}`).join("\n")).toBe("");
    expect(run.status).toBe("success");

    const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    const specs = specsOf(spackOutput);
    const rebuilt = lines.flatMap((l) => /^rebuild (\S+)/.exec(l)?.[1] ?? []);
    const signing = lines.flatMap((l) => /signing=(\S+)$/.exec(l)?.[1] ?? []);
    expect(new Set(signing)).toEqual(new Set(specs.size > 0 ? [signed ? "True" : "False"] : []));
    // Every spec Spack asked for, once, after the specs it depends on; then the index.
    expect([...rebuilt].sort()).toEqual([...specs.keys()].sort());
    for (const [hash, dependencies] of specs)
      for (const dependency of dependencies)
        expect(rebuilt.indexOf(dependency), `${dependency} before ${hash}`).toBeLessThan(
          rebuilt.indexOf(hash),
        );
    if (specs.size > 0) expect(lines.at(-1)).toBe("update-index");
    else expect(allJobs(run).map(({ job }) => job.name)).toEqual(["no-specs-to-rebuild"]);
  });
});
