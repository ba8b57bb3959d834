/**
 * What `jc create-jobs` and `jc generate-spacktainer-workflow` write for many containers of
 * one arch (offline: every image and SIF file missing, so every job is written), against
 * GitLab's limits: bytes and jobs per file, and the same pipelines without templates (every
 * job as it runs, as they were written before the compaction), rendered from the files.
 */
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { resolveExtends } from "../common/src/ci/extends.js";
import { isJobKey } from "../common/src/ci/types.js";
import { isSpacktainerPipelineFile } from "../common/src/job-names.js";
import { isMapping } from "../common/src/mapping.js";
import { runProcess } from "../common/src/run.js";
import { toYaml } from "../common/src/yaml-io.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../job-creator/src/commands/generate-workflow.js";
import { createJobsIn, workflowOptions } from "../test/helpers/generate.js";
import { testArchitecture } from "../test/helpers/files.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";

const SIZES = process.env["BENCH_QUICK"] === "1" ? [25, 200] : [25, 100, 200, 400];
const LOCK = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
const quiet = { out: () => undefined, err: () => undefined };

/** A repository of `count` Spack containers on amd64, one publish target, and their lock files. */
async function project(dir: string, count: number): Promise<string> {
  const repo = join(dir, "repo");
  await mkdir(join(repo, "container_definitions/amd64"), { recursive: true });
  await copyFile(join(REPO_ROOT, "spack.yaml"), join(repo, "spack.yaml"));
  for (const folder of ["builder", "runtime", "singularitah", "spacktainer"])
    await cp(join(REPO_ROOT, folder), join(repo, folder), { recursive: true });
  const registry = "registry.example.org";
  const login = { userVariable: "REG_USER", passwordVariable: "REG_PASSWORD" };
  await writeFile(
    join(repo, "spacktainers.config.yaml"),
    dump({
      registry: { host: registry, imageRoot: `${registry}/bench`, credentials: login },
      publish: [{ name: "copy", registry, namespace: "published", credentials: login }],
      architectures: {
        amd64: testArchitecture("x", {
          bucket: "bench-containers",
          endpoint: "https://s3.example.org",
          credentials: { accessKeyIdVariable: "KEY", secretAccessKeyVariable: "SECRET" },
        }),
      },
    }),
  );
  for (let i = 0; i < count; i++) {
    await writeFile(
      join(repo, `container_definitions/amd64/c${i}.yaml`),
      "spack:\n  specs:\n    - gromacs@2024.3 +mpi ~double\n",
    );
    await mkdir(join(repo, "locks", `c${i}`), { recursive: true });
    await copyFile(LOCK, join(repo, "locks", `c${i}`, "spack.lock"));
  }
  return repo;
}

/** A pipeline file's size and jobs, and its size with every job written out in full. */
async function measureFile(file: string) {
  const text = await readFile(file, "utf8");
  const doc = load(text) as Record<string, unknown>;
  const full: Record<string, unknown> = {};
  let jobs = 0;
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith(".")) continue;
    if (isJobKey(key) && isMapping(value)) {
      full[key] = resolveExtends(doc, value);
      jobs++;
    } else full[key] = value;
  }
  return { bytes: Buffer.byteLength(text), jobs, fullBytes: Buffer.byteLength(toYaml(full)) };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;

console.log(
  "\nPipeline files at N containers per arch (offline: every job written; one publish target)",
);
console.log(
  `containers  ${"file".padEnd(33)}  jobs  ${"bytes".padStart(9)}  bytes/container  without templates`,
);
for (const count of SIZES) {
  const dir = await mkdtemp(join(tmpdir(), "pipeline-sizes-"));
  try {
    const repo = await project(dir, count);
    await createJobsIn(repo, quiet);
    await generateSpacktainerWorkflow(
      workflowOptions(repo, {
        lockDir: join(repo, "locks"),
        branch: "main",
        defaultBranch: "main",
      }),
      offlineWorkflowServices(runProcess),
      quiet,
    );
    const files = [
      "generated/generated_pipeline.yaml",
      ...(await readdir(join(repo, "out")))
        .filter((name) => isSpacktainerPipelineFile(name) && name.endsWith(".yaml"))
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
        .map((name) => `out/${name}`),
    ];
    for (const file of files) {
      const { bytes, jobs, fullBytes } = await measureFile(join(repo, file));
      console.log(
        `${String(count).padStart(10)}  ${file.padEnd(33)}  ${String(jobs).padStart(4)}  ${kb(bytes).padStart(9)}  ${String(Math.round(bytes / count)).padStart(15)}  ${kb(fullBytes).padStart(17)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
