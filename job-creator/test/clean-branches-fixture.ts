import { PutObjectCommand } from "@aws-sdk/client-s3";
import { dump } from "js-yaml";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "../../common/src/run.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { useTestRegistries } from "../../test/helpers/registry.js";
import { useTestS3 } from "../../test/helpers/s3.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { RegistryTagClient, type TagStore } from "../src/registry/tag-client.js";

/*
 * The world of the `jc clean-branches` tests: a bare git remote with branches, a
 * containers bucket of s3rver shared by two archs, and the project registry.
 */

async function git(args: string[], cwd?: string) {
  const result = await runProcess(
    "git",
    [
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.org",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    cwd ? { cwd } : {},
  );
  if (result.code !== 0) throw new Error(result.stderr);
}

/** A bare remote at `<dir>/remote.git` with `main` and the given branches; its file:// URL. */
export async function bareRemote(dir: string, branches: readonly string[]): Promise<string> {
  await git(["init", "--bare", join(dir, "remote.git")]);
  await git(["init", join(dir, "work")]);
  await git(["commit", "--allow-empty", "-m", "one"], join(dir, "work"));
  for (const branch of ["main", ...branches])
    await git(["push", join(dir, "remote.git"), `HEAD:refs/heads/${branch}`], join(dir, "work"));
  return `file://${join(dir, "remote.git")}`;
}

/** The methods of a client as plain functions, to replace one of them. */
export function bindAll(client: RegistryTagClient): TagStore {
  return {
    tags: (repo) => client.tags(repo),
    manifest: (repo, reference) => client.manifest(repo, reference),
    putManifest: (repo, tag, manifest) => client.putManifest(repo, tag, manifest),
    deleteManifest: (repo, digest) => client.deleteManifest(repo, digest),
  };
}

/** Starts the servers for the tests of a file; gives the steps they are built from. */
export function useCleanBranchesWorld() {
  const s3 = useTestS3("clean-branches");
  const registries = useTestRegistries({ username: "unused", password: "unused-password" });
  let projects = 0;
  const tags = new RegistryTagClient({ credentialsFor: () => undefined, credentialHint: () => "" });

  /** A bare remote with `main` and the given branches, and a config whose containers bucket is `bucket`. */
  async function setup(branches: string[], extra: Record<string, unknown> = {}) {
    const dir = await tempDir();
    const remote = await bareRemote(dir, branches);
    const bucket = await s3.bucket();
    const containers = { bucket, endpoint: s3.s3.endpoint };
    const project = `clean${++projects}`;
    await writeFile(
      join(dir, "spacktainers.config.yaml"),
      dump({
        registry: { host: registries.open.host, imageRoot: `${registries.open.host}/${project}` },
        ...extra,
        architectures: {
          amd64: testArchitecture("x86", containers),
          arm64: testArchitecture("arm", containers),
        },
      }),
    );
    return { dir, bucket, remote, project };
  }

  async function putSif(bucket: string, key: string, branch?: string) {
    await s3.s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: "sif",
        Metadata: { "container-checksum": "abc", ...(branch ? { branch } : {}) },
      }),
    );
  }

  const servicesFor = (bucket: string, store: TagStore = tags) => ({
    run: runProcess,
    bucket: () => s3.s3.store(bucket),
    registry: () => ({ tags: store, expand: (text: string) => text }),
  });

  /** The options of a run on the repository `setup` made. */
  const optionsFor = (dir: string, remote: string, dryRun = false) => ({
    repoRoot: dir,
    configFile: "spacktainers.config.yaml",
    remote,
    dryRun,
    now: new Date(),
  });

  return {
    s3,
    registries,
    optionsFor,
    tags,
    setup,
    putSif,
    servicesFor,
  };
}
