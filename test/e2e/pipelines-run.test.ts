import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineRecord } from "./runner/pipeline-runner.js";
import { allJobs, failures, jobNames as names, report } from "./runner/records.js";
import { TEST_CREDENTIALS } from "../helpers/s3.js";
import { BUCKETS, FETCHED_INPUT, git, SIGNING_PUBLIC_KEY_FILE } from "./fixture/project.js";
import { expectReproducible } from "./fixture/reproduce.js";
import { expectRollbackRoundTrip, publishedState } from "./fixture/rollback.js";
import { cachedPackages, runSpack } from "./fixture/spack-cli.js";
import { startSuite, type E2eSuite } from "./fixture/suite.js";
import { suiteChecks, type SuiteChecks } from "./fixture/checks.js";

/**
 * The generated pipelines, run: every job of the entry pipeline, its child pipeline and
 * the grandchildren is executed as GitLab would run it (see runner/), with real Spack,
 * buildah, skopeo, s3cmd, s3rver, docker-registry and the fake GitLab API. Stand-ins
 * (Apptainer; Spack inside the container build; npm ci) are listed in the report.
 */

let suite: E2eSuite;
let root = "";
let checks: SuiteChecks;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "spacktainers-e2e-"));
  suite = await startSuite(root);
  checks = suiteChecks(suite, root);
}, 300_000);

// Removing buildah's vfs storage (a full copy of every image layer) takes a while on a busy machine.
afterAll(async () => {
  await suite?.stop();
  if (!process.env.KEEP_E2E) await rm(root, { recursive: true, force: true });
}, 300_000);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Runs the entry pipeline and fails with every failed job's log tail when it fails. */
async function runEntry(variables?: Record<string, string>): Promise<PipelineRecord> {
  const entry = await suite.runner(variables).run(join(suite.project, ".gitlab-ci.yml"));
  console.log(report(entry));
  expect(failures(entry)).toBe("");
  expect(entry.status).toBe("success");
  return entry;
}

describe("the generated pipelines, run", { concurrent: false }, () => {
  const image = (name: string) => `${suite.registry.host}/group/project/spacktainers/${name}:1.0`;

  it("builds the Spack cache and every container on the first run", async () => {
    const entry = await runEntry();
    // Real Spack reads the cache the rebuild jobs pushed to S3.
    expect(await cachedPackages(checks.spackOptions())).toEqual(["e2e-app", "e2e-lib"]);
    expect(names(entry)).toEqual(
      expect.arrayContaining([
        "build builder image for amd64",
        // arm64 holds one `.def`: only the image that converts it is built there.
        "build singularitah image for arm64",
        "create multiarch for singularitah",
        "build e2e-app container for amd64",
        "build e2e-lib container for amd64",
        "build e2e-stack container for amd64",
        "create e2e-tool sif file for amd64",
        "create e2e-lib-tool sif file for amd64",
        "publish e2e-app to mirror for amd64",
        // Over limits.maxJobsPerFile: the container pipeline ran as child pipelines.
        "containers of amd64 (1/2)",
        "containers of amd64 (2/2)",
      ]),
    );
    // The labels the generator reads back on the next run are on the pushed images.
    const app = await checks.inspect(image("e2e-app"));
    expect(app.Labels["org.spacktainers.container.checksum"]).toMatch(/^[0-9a-f]{64}$/);
    expect(app.Labels["org.spacktainers.spack-lock.sha256"]).toMatch(/^[0-9a-f]{64}$/);
    const builder = await checks.inspect(
      `${suite.registry.host}/group/project/builder:latest-amd64`,
    );
    expect(builder.Labels["org.spacktainers.build-folder.sha256"]).toMatch(/^[0-9a-f]{64}$/);
    const architectures = await checks
      .images()
      .manifestArchitectures(`${suite.registry.host}/group/project/singularitah:latest`);
    expect(architectures.sort()).toEqual(["amd64", "arm64"]);
    const published = await checks.inspect(`${suite.publishRegistry.host}/published/e2e-app:1.0`);
    expect(published.Digest).toBe(app.Digest);
    // The builder's ONBUILD step received both cache secrets intact (buildah --secret).
    const log = await checks.fileInImage(image("e2e-app"), "opt/software/.spack-stand-in.log");
    expect(log).toContain(`key-id-sha256 ${sha256(TEST_CREDENTIALS.accessKeyId)}`);
    expect(log).toContain(`secret-sha256 ${sha256(TEST_CREDENTIALS.secretAccessKey)}`);
    // amd64's cache is signed: the build trusted the repository's key, then installed verifying.
    const publicKey = await readFile(join(suite.project, SIGNING_PUBLIC_KEY_FILE), "utf8");
    expect(log).toContain(`trusted-key-sha256 ${sha256(publicKey)}`);
    expect(log).toContain("install --use-buildcache only --fail-fast\n");
    expect(log).not.toContain("--no-check-signature");
    expect(await checks.fileInImage(image("e2e-lib"), "etc/motd")).toBe("e2e-lib container\n");
    // Fetched from the inputs bucket by the build job, checked, copied into the image.
    expect(await checks.fileInImage(image("e2e-lib"), FETCHED_INPUT.target.slice(1))).toBe(
      FETCHED_INPUT.content,
    );
    // The rebuild jobs' declared artifacts hold what Spack wrote, user_data included.
    const rebuild = allJobs(entry).find(({ job }) => job.name.startsWith("e2e-lib@1.0 "))!.job;
    // Spack's rebuild jobs run as labelled steps too: setup, then spack ci rebuild.
    expect(rebuild.output).toMatch(/section_start:\d+:setup\[collapsed=true\]/);
    expect(rebuild.output).toMatch(/section_start:\d+:rebuild\[collapsed=false\]/);
    expect(rebuild.output).toMatch(/rebuild took \d+s/);
    const artifacts = join(rebuild.artifactsDir!, "jobs_scratch_dir.amd64/e2e-app");
    expect((await readdir(join(artifacts, "logs"))).sort()).toContain("spack-build-out.txt");
    expect((await stat(join(artifacts, "user_data"))).isDirectory()).toBe(true);
    await checks.expectSignedCache(publicKey);
    await checks.expectBuiltOnLib();
    // Step-labelled logs: each step a collapsible section that ends with its duration.
    const build = allJobs(entry).find(
      ({ job }) => job.name === "build e2e-lib container for amd64",
    );
    for (const step of ["login", "fetch_inputs", "build", "push"]) {
      expect(build!.job.output).toMatch(new RegExp(`section_start:\\d+:${step}\\[collapsed=`));
      expect(build!.job.output).toMatch(
        new RegExp(`section_end:\\d+:${step}\r\x1b\\[0K${step} took \\d+s`),
      );
    }
    expect(await suite.keysOf(BUCKETS.containers)).toEqual([
      "containers/e2e-app__1.0.sif",
      "containers/e2e-lib-tool__1.0__amd64.sif",
      "containers/e2e-lib__1.0.sif",
      "containers/e2e-stack__1.0.sif",
      "containers/e2e-tool__1__amd64.sif",
      "containers/e2e-tool__1__arm64.sif",
    ]);
    // amd64 deploys: each new SIF file is copied to the deploy runner's filesystem.
    expect(names(entry)).toEqual(
      expect.arrayContaining([
        "deploy e2e-app sif file for amd64",
        "deploy e2e-lib sif file for amd64",
        "deploy e2e-tool sif file for amd64",
      ]),
    );
    expect((await readdir(suite.deployDir)).sort()).toEqual([
      "e2e-app__1.0.sif",
      "e2e-lib-tool__1.0__amd64.sif",
      "e2e-lib__1.0.sif",
      "e2e-stack__1.0.sif",
      "e2e-tool__1__amd64.sif",
    ]);
    for (const file of await readdir(suite.deployDir)) await checks.expectDeployed(file);
  }, 900_000);

  it("builds nothing on unchanged inputs, and the cache cleaning drops a stale spec", async () => {
    // A spec no definition uses, pushed with real Spack and made older than maxAgeDays.
    const pushed = await runSpack(checks.spackOptions(), [
      `spack repo add ${suite.packageRepo}`,
      "spack install --no-cache e2e-old",
      "spack buildcache push --unsigned cache e2e-old",
      "spack buildcache update-index cache",
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await cachedPackages(checks.spackOptions())).toEqual(["e2e-app", "e2e-lib", "e2e-old"]);
    for (const key of await suite.keysOf(BUCKETS.cache))
      if (key.includes("e2e-old")) await suite.s3.age(BUCKETS.cache, key, 40);

    const entry = await runEntry();
    const ran = names(entry);
    expect(
      ran.filter((n) => / image for | container for |^e2e-|sif file|^publish /.test(n)),
    ).toEqual([]);
    expect(ran).toContain("clean build cache for amd64");
    expect(await cachedPackages(checks.spackOptions())).toEqual(["e2e-app", "e2e-lib"]);
  }, 900_000);

  it("rebuilds exactly the container whose definition changed, and what builds on it", async () => {
    await writeFile(
      join(suite.project, "container_definitions/amd64/e2e-lib/Dockerfile.epilogue"),
      "ENV E2E_LIB=2\n",
    );
    // And amd64's cache turns unsigned: that alone rebuilds nothing, and the rebuilt
    // container's install no longer verifies.
    const configFile = join(suite.project, "spacktainers.config.yaml");
    const config = load(await readFile(configFile, "utf8")) as {
      architectures: { amd64: { cache: { signing?: unknown } } };
    };
    delete config.architectures.amd64.cache.signing;
    await writeFile(configFile, dump(config));
    await git(suite.project, ["commit", "-qam", "change e2e-lib; amd64's cache unsigned"]);
    const before = await checks.inspect(image("e2e-app"));
    const lib = await publishedState(suite, "e2e-lib", "1.0");
    const entry = await runEntry();
    const ran = names(entry);
    expect(
      ran.filter((n) => / container for |sif file|^publish |^archive /.test(n)).sort(),
    ).toEqual([
      "archive replaced images for amd64",
      "build e2e-lib container for amd64",
      "build e2e-stack container for amd64",
      "create e2e-lib sif file for amd64",
      "create e2e-lib-tool sif file for amd64",
      "create e2e-stack sif file for amd64",
      "deploy e2e-lib sif file for amd64",
      "deploy e2e-lib-tool sif file for amd64",
      "deploy e2e-stack sif file for amd64",
      "publish e2e-lib to mirror for amd64",
      "publish e2e-stack to mirror for amd64",
    ]);
    await checks.expectDeployed("e2e-lib__1.0.sif");
    // Built after e2e-lib's new image, from it: its environment says E2E_LIB=2.
    await checks.expectBuiltOnLib("E2E_LIB=2");
    const log = await checks.fileInImage(image("e2e-lib"), "opt/software/.spack-stand-in.log");
    expect(log).toContain("install --use-buildcache only --fail-fast --no-check-signature\n");
    expect(log).not.toContain("trusted-key-sha256");
    expect((await checks.inspect(image("e2e-app"))).Digest).toBe(before.Digest);
    // The archive job kept e2e-lib's replaced image in both registries: a rollback restores it.
    await expectRollbackRoundTrip(suite, "e2e-lib", "1.0", lib);
  }, 900_000);

  it("builds only what the Run pipeline form selects, forced", async () => {
    const [app, lib] = [
      await checks.inspect(image("e2e-app")),
      await checks.inspect(image("e2e-lib")),
    ];
    const entry = await runEntry({
      SPACKTAINERS_ONLY: "e2e-app,e2e-tool",
      SPACKTAINERS_ARCH: "amd64",
      SPACKTAINERS_FORCE: "e2e-app",
    });
    const ran = names(entry);
    expect(ran.filter((n) => / container for |sif file|^publish |^e2e-/.test(n)).sort()).toEqual([
      "build e2e-app container for amd64",
      "create e2e-app sif file for amd64",
      "deploy e2e-app sif file for amd64",
      "publish e2e-app to mirror for amd64",
    ]);
    // arm64: only the entry pipeline's fixed bridges, each running the no-op file
    // get-artifacts writes; no cache cleaning: this run saw only e2e-app's lock file.
    expect(
      ran.filter((n) => n.endsWith(" for arm64") || n.startsWith("clean build cache")),
    ).toEqual([
      "populate buildcache for arm64",
      "nothing to do for arm64",
      "build spacktainers for arm64",
      "nothing to do for arm64",
    ]);
    expect((await checks.inspect(image("e2e-app"))).Digest).not.toBe(app.Digest);
    expect((await checks.inspect(image("e2e-lib"))).Digest).toBe(lib.Digest);
    await checks.expectDeployed("e2e-app__1.0.sif");
  }, 900_000);

  it("re-runs the tail only: --from deploy copies the SIF files in the bucket again", async () => {
    for (const file of await readdir(suite.deployDir)) await rm(join(suite.deployDir, file));
    const entry = await runEntry({ SPACKTAINERS_FROM: "deploy", SPACKTAINERS_ARCH: "amd64" });
    const ran = names(entry);
    expect(
      ran
        .filter((n) =>
          / container for |sif file for|^publish |^e2e-|^process |^clean build/.test(n),
        )
        .sort(),
    ).toEqual([
      "deploy e2e-app sif file for amd64",
      "deploy e2e-lib sif file for amd64",
      "deploy e2e-lib-tool sif file for amd64",
      "deploy e2e-stack sif file for amd64",
      "deploy e2e-tool sif file for amd64",
    ]);
    for (const file of await readdir(suite.deployDir)) await checks.expectDeployed(file);
    expect((await readdir(suite.deployDir)).length).toBe(5);
    // Every branch pipeline cleans the deploy folder on the deploy runner: all five are main's.
    expect(ran).toContain("clean deployed copies for amd64");
  }, 900_000);

  it("a package that fails to build: the pipeline fails, and jc reproduce builds it again locally", async () => {
    await writeFile(
      join(suite.project, "container_definitions/amd64/e2e-broken.yaml"),
      "spack:\n  specs:\n    - e2e-broken@1.0\n",
    );
    await git(suite.project, ["add", "-A"]);
    await git(suite.project, ["commit", "-qm", "add e2e-broken"]);
    const entry = await suite.runner().run(join(suite.project, ".gitlab-ci.yml"));
    expect(entry.status).toBe("failed");
    await expectReproducible(suite, entry);
  }, 900_000);

  it("lists the stand-ins it used, and only the expected ones (the report)", () => {
    const standIns = new Set(
      suite.runnerPipelines().flatMap((p) => p.jobs.flatMap((j) => j.standIns)),
    );
    console.log(`stand-ins used:\n  ${[...standIns].sort().join("\n  ")}`);
    expect(
      [...standIns].every((s) =>
        /^(apptainer|npm|buildah login and manifest|spack install inside|the clingo module)/.test(
          s,
        ),
      ),
    ).toBe(true);
  });
});
