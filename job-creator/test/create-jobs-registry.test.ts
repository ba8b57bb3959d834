import { existsSync } from "node:fs";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../common/src/run.js";
import { UserError } from "../../common/src/errors.js";
import { listFiles } from "../../test/helpers/files.js";
import { expectValidPipeline } from "../../test/helpers/gitlab.js";
import { memoryOutput } from "../../test/helpers/output.js";
import {
  RegistryPusher,
  useTestRegistries,
  type TestRegistry,
} from "../../test/helpers/registry.js";
import { exampleRepo, tempDir } from "../../test/helpers/temp-repo.js";
import { freePort } from "../../test/helpers/ports.js";
import { GENERATED_PIPELINE_FILE } from "../../common/src/job-names.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import { onlineServices } from "../src/commands/online-services.js";
import { readBaseImageInputs } from "../src/base-images/inputs.js";
import { contentTag, type BaseImageName } from "../src/base-images/plan.js";
import { readSpackRevision } from "../src/base-images/spack-revision.js";
import { readConfig } from "../src/config/read.js";
import { selectionFrom } from "../src/definitions/selection.js";
import { createSpackRemote } from "./git.js";

const BRANCH = "releases/v0.23";
const FAST = {
  http: { timeoutMs: 2_000, budgetMs: 100, initialDelayMs: 10, maxDelayMs: 50 },
};
const registries = useTestRegistries({ username: "ci", password: "pw-not-to-print" });

let namespaces = 0;

/** The example repository, pointed at a local registry (a namespace of its own) and a local Spack remote. */
async function setup(registry: TestRegistry) {
  const repo = await exampleRepo();
  const namespace = `hpc/test${++namespaces}`;
  const spack = await createSpackRemote(await tempDir(), BRANCH);
  const configPath = join(repo, "spacktainers.config.yaml");
  const config = (await readFile(configPath, "utf8"))
    .replace("host: $CI_REGISTRY", `host: ${registry.host}`)
    .replace("imageRoot: $CI_REGISTRY_IMAGE", `imageRoot: ${registry.host}/${namespace}`)
    .replace("repository: https://github.com/spack/spack.git", `repository: ${spack.url}`);
  await writeFile(configPath, config);
  return { repo, spack, namespace };
}

/** Every file below `dir` with its bytes. */
async function snapshotFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listFiles(dir)) out[file] = await readFile(join(dir, file), "utf8");
  return out;
}

async function run(repo: string, env: Record<string, string> = {}) {
  const output = memoryOutput();
  await createJobsIn(repo, output, { services: onlineServices(env, runProcess, FAST) });
  const text = await readFile(join(repo, "generated", GENERATED_PIPELINE_FILE), "utf8");
  expectValidPipeline(text);
  return { plan: output.lines.join("\n"), text, jobs: Object.keys(load(text) as object) };
}

/** Pushes, for every planned base image and arch, an image with exactly the expected labels. */
async function pushUpToDate(repo: string, registry: TestRegistry, namespace: string) {
  const config = readConfig(join(repo, "spacktainers.config.yaml"));
  const revision = await readSpackRevision(runProcess, config.spack.repository, BRANCH);
  const images: BaseImageName[] = ["builder", "runtime", "singularitah"];
  const inputs = readBaseImageInputs(repo, config, images, revision);
  const pusher = new RegistryPusher(registry);
  for (const image of images) {
    const expected = inputs.get(image)!;
    for (const arch of ["amd64", "arm64"]) {
      await pusher.pushImage(
        `${namespace}/${image}`,
        `${contentTag(expected)}-${arch}`,
        arch,
        expected.labels,
      );
      await pusher.pushImage(`${namespace}/${image}`, `latest-${arch}`, arch, expected.labels);
    }
  }
  return inputs;
}

describe("jc create-jobs against a registry", () => {
  it("rebuilds every base image when the registry is empty, saying so", async () => {
    const { repo } = await setup(registries.open);
    const { plan, jobs } = await run(repo);
    expect(plan).toMatch(
      /builder for amd64 \([0-9a-f]{16}-amd64\): rebuild: missing for amd64 \(no earlier image to compare with\)/,
    );
    expect(jobs).toContain("build builder image for arm64");
    expect(jobs).toContain("create multiarch for singularitah");
  });

  it("emits no base-image job when the registry holds up-to-date images, and says why", async () => {
    const { repo, namespace } = await setup(registries.open);
    await pushUpToDate(repo, registries.open, namespace);
    const { plan, jobs, text } = await run(repo);
    expect(jobs.filter((j) => /image for|multiarch/.test(j))).toEqual([]);
    expect(plan).toMatch(
      /builder for amd64 \(\w+-amd64\): up to date: labels match \(build folder, Spack commit\)/,
    );
    expect(plan).toMatch(
      /singularitah for arm64 \(\w+-arm64\): up to date: labels match \(build folder, apptainer version, s3cmd version\)/,
    );
    // The generate jobs use the existing builder image and need no build job.
    expect(text).toMatch(
      new RegExp(`name: ${registries.open.host}/${namespace}/builder:[0-9a-f]{16}-amd64`),
    );
  });

  it("--plan asks the registry too, writes nothing, and --json says the same for scripts", async () => {
    const { repo, namespace } = await setup(registries.open);
    await pushUpToDate(repo, registries.open, namespace);
    await appendFile(join(repo, "runtime/Dockerfile"), "# changed\n");
    const output = memoryOutput();
    await createJobsIn(repo, output, {
      planOnly: true,
      json: true,
      services: onlineServices({}, runProcess, FAST),
    });
    expect(existsSync(join(repo, "generated"))).toBe(false);
    const plan = JSON.parse(output.lines.join("\n")) as {
      baseImages: { image: string; arch: string; action: string; reason: string }[];
      containers: { arch: string; name: string; kind: string }[];
    };
    const actions = plan.baseImages.map((b) => `${b.image} ${b.arch} ${b.action}`).sort();
    expect(actions).toEqual([
      "builder amd64 keep",
      "builder arm64 keep",
      "runtime amd64 rebuild",
      "runtime arm64 rebuild",
      "singularitah amd64 keep",
      "singularitah arm64 keep",
    ]);
    expect(plan.baseImages.find((b) => b.image === "runtime")!.reason).toMatch(
      /files under runtime\/ changed/,
    );
    expect(plan.containers.map((c) => `${c.arch}/${c.name} ${c.kind}`)).toContain(
      "amd64/gromacs spack",
    );
  });

  it("--from containers builds on the base images there are, and refuses a stale one naming it", async () => {
    const { repo, namespace } = await setup(registries.open);
    await pushUpToDate(repo, registries.open, namespace);
    const fromContainers = selectionFrom({ from: "containers" });
    const output = memoryOutput();
    const services = onlineServices({}, runProcess, FAST);
    await createJobsIn(repo, output, { services, selection: fromContainers });
    await appendFile(join(repo, "builder/spack-setup.sh"), "# changed\n");
    await expect(
      createJobsIn(repo, output, { services, selection: fromContainers }),
    ).rejects.toThrow(
      /--from containers: the builder image for amd64 \([0-9a-f]{16}-amd64\) is not usable: changed since latest-amd64: files under builder\/ changed; run from base-images/,
    );
  });

  it("rebuilds only the builder when a file under builder/ changes, and names the change", async () => {
    const { repo, namespace } = await setup(registries.open);
    await pushUpToDate(repo, registries.open, namespace);
    await appendFile(join(repo, "builder/spack-setup.sh"), "# changed\n");
    const { plan, jobs } = await run(repo);
    expect(plan).toMatch(
      /builder for amd64 .*: rebuild: changed since latest-amd64: files under builder\/ changed/,
    );
    expect(jobs.filter((j) => /image for|multiarch/.test(j)).sort()).toEqual([
      "build builder image for amd64",
      "build builder image for arm64",
      "create multiarch for builder",
    ]);
  });

  it("rebuilds the builder when the Spack branch moves", async () => {
    const { repo, spack, namespace } = await setup(registries.open);
    await pushUpToDate(repo, registries.open, namespace);
    const commit = await spack.commit();
    const { plan } = await run(repo);
    expect(plan).toMatch(
      new RegExp(
        `builder for arm64 .*: rebuild: changed since latest-arm64: Spack commit changed \\([0-9a-f]{10} -> ${commit.slice(0, 10)}\\)`,
      ),
    );
    expect(plan).toMatch(/runtime for arm64 .*: up to date/);
  });

  it("rebuilds only the arch missing from the index", async () => {
    const { repo, namespace } = await setup(registries.open);
    const inputs = await pushUpToDate(repo, registries.open, namespace);
    const pusher = new RegistryPusher(registries.open);
    const runtime = inputs.get("runtime")!;
    const amd = await pusher.pushImage(`${namespace}/runtime`, "only-amd", "amd64", runtime.labels);
    await pusher.pushIndex(`${namespace}/runtime`, `${contentTag(runtime)}-arm64`, [amd]);
    const { plan, jobs } = await run(repo);
    expect(plan).toMatch(
      /runtime for arm64 .*: rebuild: missing for arm64 \(the tag has amd64 images\)/,
    );
    expect(jobs.filter((j) => /image for|multiarch/.test(j)).sort()).toEqual([
      "build runtime image for arm64",
      "create multiarch for runtime",
    ]);
  });

  it("rebuilds an arch whose tag holds a single image of another arch", async () => {
    const { repo, namespace } = await setup(registries.open);
    const inputs = await pushUpToDate(repo, registries.open, namespace);
    const builder = inputs.get("builder")!;
    await new RegistryPusher(registries.open).pushImage(
      `${namespace}/builder`,
      `${contentTag(builder)}-arm64`,
      "amd64",
      builder.labels,
    );
    const { plan } = await run(repo);
    expect(plan).toMatch(
      /builder for arm64 .*: rebuild: missing for arm64 \(the tag has amd64 images\)/,
    );
  });

  it("rebuilds when the labels of the tagged image differ", async () => {
    const { repo, namespace } = await setup(registries.open);
    const inputs = await pushUpToDate(repo, registries.open, namespace);
    const singularitah = inputs.get("singularitah")!;
    const stale = { ...singularitah.labels, "org.spacktainers.tool.apptainer.version": "1.0.0" };
    await new RegistryPusher(registries.open).pushImage(
      `${namespace}/singularitah`,
      `${contentTag(singularitah)}-amd64`,
      "amd64",
      stale,
    );
    const { plan } = await run(repo);
    expect(plan).toMatch(
      /singularitah for amd64 .*: rebuild: the image's labels differ: apptainer version changed \(1\.0\.0 -> 1\.3\.4\)/,
    );
  });

  it("writes byte-identical files when generated at different times (the real clock, runs apart)", async () => {
    const { repo } = await setup(registries.open);
    const first = await run(repo);
    const files = await snapshotFiles(join(repo, "generated"));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await run(repo);
    expect(await snapshotFiles(join(repo, "generated"))).toEqual(files);
    expect(second.text).toBe(first.text);
    // The creation time is the pipeline's, taken when the job runs.
    expect(first.text).toContain("org.opencontainers.image.created=$CI_PIPELINE_CREATED_AT");
  });

  it("fails clearly on a registry that demands a login, naming the variables, and writes nothing", async () => {
    const { repo } = await setup(registries.locked);
    const error = await run(repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `registry ${registries.locked.host} needs credentials .*set CI_REGISTRY_USER and CI_REGISTRY_PASSWORD`,
      ),
    );
    expect(existsSync(join(repo, "generated"))).toBe(false);
  });

  it("logs in with the configured variables and never prints the password", async () => {
    const { repo } = await setup(registries.locked);
    const { plan, text } = await run(repo, {
      CI_REGISTRY_USER: "ci",
      CI_REGISTRY_PASSWORD: "pw-not-to-print",
    });
    expect(plan).toMatch(/rebuild: missing for amd64/);
    expect(plan + text).not.toContain("pw-not-to-print");
    expect(text).toContain('"$CI_REGISTRY_PASSWORD"');
  });

  it("fails clearly when the registry is down, and writes nothing", async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const { repo } = await setup({ ...registries.open, host });
    const error = await run(repo).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(
        `cannot read hpc/test\\d+/\\w+ from registry ${host}: .* failed \\(cannot connect`,
      ),
    );
    expect(existsSync(join(repo, "generated"))).toBe(false);
  });

  it("fails clearly when the Spack branch does not exist", async () => {
    const { repo } = await setup(registries.open);
    const path = join(repo, "spacktainers.config.yaml");
    await writeFile(
      path,
      (await readFile(path, "utf8")).replace(`branch: ${BRANCH}`, "branch: releases/v9"),
    );
    const error = await run(repo).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/has no branch or tag "releases\/v9"/);
  });
});
