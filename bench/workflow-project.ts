/**
 * The projects of the online-workflow benchmark: synthetic definitions, Spack containers
 * (each with the same large lock file) or `.def` containers (each converting an image of
 * its own from the registry), and the images and SIF files as a run finds them.
 */
import { copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { dump } from "js-yaml";
import pLimit from "p-limit";
import { SIF_METADATA } from "../job-creator/src/containers/targets.js";
import { createSpackRemote } from "../job-creator/test/git.js";
import { createJobsIn } from "../test/helpers/generate.js";
import { testArchitecture } from "../test/helpers/files.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import { RegistryPusher, type TestRegistry } from "../test/helpers/registry.js";
import { TEST_CREDENTIALS } from "../test/helpers/s3.js";
import type { PlannedTarget } from "./online-run.js";

/** What the project's containers are: Spack environments, or `.def` files. */
export type Kind = "spack" | "def";
export const KINDS: readonly Kind[] = ["spack", "def"];

/**
 * The images as the run finds them: none; present but each with labels of its own, so
 * every container is rebuilt; current, labelled as the run expects (nothing to rebuild,
 * the SIF files still to make: the common scheduled run). For `.def` containers, whose
 * source images are always there, the same words say it of their SIF files: none, with
 * metadata of their own, or current (nothing to do).
 */
export type Images = "absent" | "present" | "current";
export const IMAGES: readonly Images[] = ["present", "current", "absent"];

const LOCK = join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock");
const SPACK_BRANCH = "releases/v0.23";
export const BUCKET = "bench-containers";
/** The tag of every image the benchmark pushes. */
const TAG = "2023.3";

/** A project of `containers` containers of `kind` under `dir`, with `jc create-jobs` run. */
export async function benchProject(
  dir: string,
  containers: number,
  kind: Kind,
  registry: string,
  s3: string,
): Promise<string> {
  const repo = join(dir, "repo");
  const defs = join(repo, "container_definitions/amd64");
  await mkdir(defs, { recursive: true });
  await copyFile(join(REPO_ROOT, "spack.yaml"), join(repo, "spack.yaml"));
  for (const folder of ["builder", "runtime", "singularitah", "spacktainer"])
    await cp(join(REPO_ROOT, folder), join(repo, folder), { recursive: true });
  const credentials = { accessKeyIdVariable: "KEY", secretAccessKeyVariable: "SECRET" };
  const registryCredentials = { userVariable: "REG_USER", passwordVariable: "REG_PASSWORD" };
  // `jc create-jobs` online reads the Spack commit with git ls-remote: a local remote.
  const spack = await createSpackRemote(dir, SPACK_BRANCH);
  await writeFile(
    join(repo, "spacktainers.config.yaml"),
    dump({
      spack: { repository: spack.url, branch: SPACK_BRANCH },
      registry: {
        host: registry,
        imageRoot: `${registry}/bench`,
        credentials: registryCredentials,
      },
      publish: [
        { name: "copy", registry, namespace: "published", credentials: registryCredentials },
      ],
      architectures: {
        amd64: testArchitecture("x", { bucket: BUCKET, endpoint: s3, credentials }),
      },
    }),
  );
  for (let i = 0; i < containers; i++) {
    if (kind === "def") {
      await writeFile(
        join(defs, `c${i}.def`),
        `Bootstrap: docker\nFrom: ${registry}/sources/c${i}:${TAG}\n\n%post\n    true\n`,
      );
      continue;
    }
    await writeFile(
      join(defs, `c${i}.yaml`),
      "spack:\n  specs:\n    - gromacs@2024.3 +mpi ~double\n",
    );
    await mkdir(join(repo, "locks", `c${i}`), { recursive: true });
    await copyFile(LOCK, join(repo, "locks", `c${i}`, "spack.lock"));
  }
  const quiet = { out: () => undefined, err: () => undefined };
  await createJobsIn(repo, quiet);
  return repo;
}

/**
 * Pushes what the run is to find (`targets`: the offline run's plan): Spack containers'
 * images and their publish copies; `.def` containers' source images and SIF files, put
 * through `s3` (the bucket's proxy).
 */
export async function placeImages(
  registry: TestRegistry,
  s3: string,
  targets: readonly PlannedTarget[],
  kind: Kind,
  images: Images,
): Promise<void> {
  const pusher = new RegistryPusher(registry);
  const own = (name: string) => ({ "org.spacktainers.container": name });
  if (kind === "spack") {
    if (images === "absent") return;
    // The publish copy is the same image, as the publish job's copy keeps digests.
    for (const target of targets) {
      const labels = images === "current" ? { ...target.labels } : own(target.name);
      await pusher.pushImage(`bench/spacktainers/${target.name}`, TAG, "amd64", labels);
      await pusher.copyImage(`bench/spacktainers/${target.name}`, `published/${target.name}`, TAG);
    }
    return;
  }
  const digests = new Map<string, string>();
  for (const target of targets)
    digests.set(
      target.name,
      (await pusher.pushImage(`sources/${target.name}`, TAG, "amd64", own(target.name))).digest,
    );
  if (images === "absent") return;
  const client = new S3Client({
    endpoint: s3,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  const limit = pLimit(16);
  await Promise.all(
    targets.map((target) =>
      limit(() =>
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: target.sifKey,
            Body: `SIF of ${target.name}`,
            Metadata:
              images === "current"
                ? { ...target.sifMetadata, [SIF_METADATA.digest]: digests.get(target.name)! }
                : { [SIF_METADATA.checksum]: "another" },
          }),
        ),
      ),
    ),
  );
  client.destroy();
}
