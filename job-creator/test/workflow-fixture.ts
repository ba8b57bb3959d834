import { pipelineJobs } from "../../test/helpers/pipeline-jobs.js";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { dump } from "js-yaml";
import { SPACKTAINER_PIPELINE_FILE } from "../../common/src/job-names.js";
import { runProcess } from "../../common/src/run.js";
import { expectValidPipeline } from "../../test/helpers/gitlab.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { RegistryPusher, useTestRegistries } from "../../test/helpers/registry.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import type { Selection } from "../src/definitions/selection.js";
import {
  generateSpacktainerWorkflow,
  type WorkflowServicesFactory,
} from "../src/commands/generate-workflow.js";
import { onlineWorkflowServices } from "../src/commands/online-services.js";
import type { ContainerDecision } from "../src/containers/decide.js";
import { inputEntries, inputLabel, inputMetadataKey } from "../src/containers/targets.js";

/*
 * The world of the container-workflow tests: the bundled examples pointed at two local
 * registries (the project's, and an htpasswd one standing for a public registry) and an
 * s3rver bucket, run through the real command.
 */

export const FAST = {
  http: { timeoutMs: 2_000, budgetMs: 100, initialDelayMs: 10, maxDelayMs: 50 },
};
export const LARGE_LOCK = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
export const INCREMENTAL_LOCK = join(
  SPACK_FIXTURES,
  "scenarios-v0.21/large-incremental/spack.lock",
);

// Values of the CI variables the configuration names: none may appear in any output.
export const SECRETS = {
  REG_USER: "ci-user",
  REG_PASSWORD: "registry-password-5f2a",
  PUB_USER: "publisher",
  PUB_PASSWORD: "publish-password-77c1",
  SIF_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  SIF_SECRET: "sif-bucket-secret-9e0b",
};

/** Starts the servers for the tests of a file and gives the steps they are built from. */
export function useWorkflowFixture() {
  const s3 = useTestS3("workflow");
  // The project's registry, and an htpasswd one standing for a public registry.
  const registries = useTestRegistries({
    username: SECRETS.PUB_USER,
    password: SECRETS.PUB_PASSWORD,
  });

  let projects = 0;

  /**
   * The bundled examples pointed at the local registries and bucket, with create-jobs run
   * and each container's spack.lock where its generate job would leave it. NEURON is
   * disabled: none of the real lock files in the fixtures holds it.
   */
  async function setup() {
    const repo = await exampleRepo();
    const project = `project${++projects}`;
    const bucket = await s3.bucket();
    const pusher = new RegistryPusher(registries.open);
    const upstream = await pusher.pushImage(
      `${project}/upstream/nexus-storage`,
      "1.10.0",
      "amd64",
      {},
    );
    const containers = {
      bucket,
      endpoint: s3.s3.endpoint,
      credentials: { accessKeyIdVariable: "SIF_KEY_ID", secretAccessKeyVariable: "SIF_SECRET" },
      archiveMaxAgeDays: 5,
    };
    const deploy = { runnerTags: ["cluster"], path: "/gpfs/containers/" };
    // The build caches are buckets of this s3rver too (made by a test that needs one).
    const cache = {
      defaultBranch: { bucket: `${bucket}-cache`, maxAgeDays: 90 },
      otherBranches: { bucket: `${bucket}-cache-dev`, maxAgeDays: 30 },
      endpoint: s3.s3.endpoint,
      credentials: containers.credentials,
    };
    const arch = (runner: string) => ({ ...testArchitecture(runner, containers), cache, deploy });
    const config = {
      registry: {
        host: registries.open.host,
        imageRoot: `${registries.open.host}/${project}`,
        credentials: { userVariable: "REG_USER", passwordVariable: "REG_PASSWORD" },
      },
      publish: [
        {
          name: "public",
          registry: registries.locked.host,
          namespace: "spacktainers",
          credentials: { userVariable: "PUB_USER", passwordVariable: "PUB_PASSWORD" },
        },
      ],
      architectures: { amd64: arch("x86"), arm64: arch("graviton") },
    };
    await writeFile(join(repo, "spacktainers.config.yaml"), dump(config));
    await rename(
      join(repo, "container_definitions/amd64/neuron.yaml"),
      join(repo, "container_definitions/amd64/_neuron.yaml"),
    );
    await writeFile(
      join(repo, "container_definitions/amd64/nexus-storage.def"),
      `Bootstrap: docker\nFrom: ${registries.open.host}/${project}/upstream/nexus-storage:1.10.0\n\n%post\n    echo converted\n`,
    );
    await createJobsIn(repo, memoryOutput());
    const locks = join(repo, "jobs_scratch_dir.amd64");
    await mkdir(join(locks, "gromacs"), { recursive: true });
    await copyFile(LARGE_LOCK, join(locks, "gromacs/spack.lock"));
    const armLocks = join(repo, "jobs_scratch_dir.arm64");
    await mkdir(join(armLocks, "py-scientific"), { recursive: true });
    await copyFile(LARGE_LOCK, join(armLocks, "py-scientific/spack.lock"));
    return {
      repo,
      project,
      bucket,
      pusher,
      upstream,
      locks,
      registryHost: registries.open.host,
      store: s3.s3.store(bucket),
      s3: s3.s3,
      cacheBucket: cache.defaultBranch.bucket,
    };
  }

  async function generate(
    repo: string,
    options: {
      arch?: string;
      branch?: string;
      services?: WorkflowServicesFactory;
      lockDir?: string | null;
      selection?: Selection;
    } = {},
  ) {
    const arch = options.arch ?? "amd64";
    const output = memoryOutput();
    const outputDir = join(repo, `spacktainer.artifacts.${arch}`);
    const decisions = await generateSpacktainerWorkflow(
      {
        repoRoot: repo,
        configFile: "spacktainers.config.yaml",
        arch,
        outputDir,
        artifactsDir: `spacktainer.artifacts.${arch}`,
        generatedDir: "generated",
        ...(options.lockDir === null
          ? {}
          : { lockDir: options.lockDir ?? join(repo, `jobs_scratch_dir.${arch}`) }),
        ...(options.branch ? { branch: options.branch, defaultBranch: "main" } : {}),
        ...(options.selection ? { selection: options.selection } : {}),
      },
      options.services ?? onlineWorkflowServices(SECRETS, runProcess, FAST),
      output,
    );
    const text = await readFile(join(outputDir, SPACKTAINER_PIPELINE_FILE), "utf8");
    expectValidPipeline(text);
    const doc = pipelineJobs(text);
    const jobs = Object.keys(doc);
    return { decisions, text, doc, jobs, log: output.lines.join("\n"), outputDir };
  }

  /** Does what the generated jobs would have done: image in both registries, SIF files in the bucket. */
  async function completeJobs(
    s: Awaited<ReturnType<typeof setup>>,
    decisions: readonly ContainerDecision[],
  ) {
    for (const { target } of decisions) {
      await s3.s3.client.send(
        new PutObjectCommand({
          Bucket: s.bucket,
          Key: target.sifKey,
          Body: "sif",
          Metadata: {
            ...target.sifMetadata,
            ...Object.fromEntries(inputEntries(target, inputMetadataKey)),
          },
        }),
      );
      if (target.kind !== "spack") continue;
      await s.pusher.pushImage(
        `${s.project}/spacktainers/${target.name}`,
        target.tag,
        target.arch,
        {
          ...target.labels,
          ...Object.fromEntries(inputEntries(target, inputLabel)),
          "org.opencontainers.image.title": target.name,
        },
      );
      await new RegistryPusher(registries.locked).pushImage(
        `spacktainers/${target.name}`,
        target.tag,
        target.arch,
        { ...target.labels, ...Object.fromEntries(inputEntries(target, inputLabel)) },
      );
    }
  }

  return { setup, generate, completeJobs };
}

export const decisionOf = (decisions: readonly ContainerDecision[], name: string) =>
  decisions.find((d) => d.target.name === name)!;
