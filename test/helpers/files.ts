import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump } from "js-yaml";
import { tempDir } from "./temp-repo.js";

/** Every file below `dir`, as sorted paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** A test configuration's architecture: runner tag, caches, and the given containers bucket. */
export function testArchitecture(runner: string, containers: Record<string, unknown>) {
  return {
    runnerTags: [runner],
    baseArch: "%gcc@12 os=ubuntu22.04",
    cache: {
      defaultBranch: { bucket: "cache-main", maxAgeDays: 90 },
      otherBranches: { bucket: "cache-dev", maxAgeDays: 30 },
    },
    containers,
  };
}

let publishingRepos = 0;

/**
 * A repository holding only a configuration, for the tests of what is published: the project
 * registry (a project of its own), one publish registry (`public`, login from PUB_USER /
 * PUB_PASSWORD), and a bucket of its own for the SIF files of every arch (key pair from
 * SIF_KEY_ID / SIF_SECRET). `archs` maps each arch to its runner tag.
 */
export async function publishingRepo(where: {
  registries: { open: { host: string }; locked: { host: string } };
  s3: { bucket(): Promise<string>; s3: { endpoint: string } };
  archs: Record<string, string>;
  extra?: Record<string, unknown>;
}): Promise<{ repo: string; project: string; bucket: string }> {
  const repo = await tempDir();
  const project = `published${++publishingRepos}`;
  const bucket = await where.s3.bucket();
  const containers = {
    bucket,
    endpoint: where.s3.s3.endpoint,
    credentials: { accessKeyIdVariable: "SIF_KEY_ID", secretAccessKeyVariable: "SIF_SECRET" },
  };
  const { open, locked } = where.registries;
  await writeFile(
    join(repo, "spacktainers.config.yaml"),
    dump({
      registry: { host: open.host, imageRoot: `${open.host}/${project}` },
      publish: [
        {
          name: "public",
          registry: locked.host,
          namespace: project,
          credentials: { userVariable: "PUB_USER", passwordVariable: "PUB_PASSWORD" },
        },
      ],
      ...where.extra,
      architectures: Object.fromEntries(
        Object.entries(where.archs).map(([arch, runner]) => [
          arch,
          testArchitecture(runner, containers),
        ]),
      ),
    }),
  );
  return { repo, project, bucket };
}

/** Nine levels of nine aliases: about 400 bytes of YAML that expand to 9^9 (387 million) strings. */
export function aliasBomb(): string {
  const lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(",")}]`,
    );
  return lines.join("\n") + "\n";
}
