import { resolveArchitectures, type Architecture } from "../config/architecture.js";
import { containerNameProblem } from "../definitions/names.js";
import { join } from "node:path";
import pLimit from "p-limit";
import type { Output } from "../../../common/src/cli.js";
import { UserError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import type { BucketStore, MetadataSource, ObjectInfo } from "../../../common/src/s3/types.js";
import { sifArchivesOf } from "../archive/plan.js";
import { planSifRetirement } from "../cleanup/retire-sif.js";
import { branchOf, isSifKey, staleBranchFiles, type SifObject } from "../cleanup/stale-branches.js";
import { readConfig } from "../config/read.js";
import type { Config } from "../config/schema.js";
import { branchSlug, gitlabSlug } from "../containers/tags.js";
import { lsRemote } from "../git/ls-remote.js";
import { readDefinitions } from "../definitions/read.js";
import { cleanBranchTags, type BranchTagServices } from "./clean-branch-tags.js";

export interface CleanBranchesOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** The git remote whose branches count as alive, e.g. `origin`. */
  readonly remote: string;
  readonly dryRun: boolean;
  readonly now: Date;
}

/** A containers bucket: what to list, read metadata of, and delete from. */
export type ContainersBucket = BucketStore & MetadataSource;

export interface CleanBranchesServices {
  readonly run: Runner;
  readonly bucket: (arch: Architecture) => ContainersBucket;
  /** The project registry, for the container tags of deleted branches. */
  readonly registry: (config: Config) => BranchTagServices;
}

/**
 * `jc clean-branches`: deletes the SIF files (and their archives) of branches that no
 * longer exist from every containers bucket. Files of the default branch carry no branch
 * metadata and are never touched; an empty branch list stops the run.
 */
export async function cleanBranches(
  opts: CleanBranchesOptions,
  services: CleanBranchesServices,
  output: Output,
): Promise<{ deleted: string[] }> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const live = await liveBranchSlugs(services.run, opts.remote, output);

  const deleted: string[] = [];
  // The containers whose registry tags are looked at: those defined, and those with files.
  const names = new Set(await definedContainers(opts.repoRoot, config, output));
  for (const { arch, prefix } of distinctBuckets(config)) {
    const bucket = services.bucket(arch);
    const listed: ObjectInfo[] = [];
    for await (const object of bucket.list(prefix ? `${prefix}/` : "")) {
      if (!isSifKey(object.key)) continue;
      listed.push(object);
      names.add(containerOf(object.key));
    }
    const limit = pLimit(8);
    const objects = await Promise.all(
      listed.map((object) =>
        limit(async (): Promise<SifObject & { lastModified: Date }> => {
          const branch = branchOf(await bucket.metadata(object.key));
          return {
            key: object.key,
            lastModified: object.lastModified,
            ...(branch ? { branch } : {}),
          };
        }),
      ),
    );
    const stale = staleBranchFiles(objects, live);
    const retired = retiredFiles(objects, stale, config.retire, opts.now);
    const doomed = [
      ...stale.map((file) => ({ key: file.key, why: `branch ${file.branch} is gone` })),
      ...retired,
    ];
    for (const { key, why } of doomed)
      output.out(
        `${opts.dryRun ? "would delete" : "delete"} ${bucket.description}/${key} (${why})`,
      );
    if (!opts.dryRun)
      deleted.push(
        ...(await deleteAll(
          bucket,
          doomed.map((d) => d.key),
        )),
      );
    output.out(
      `${bucket.description}: ${objects.length} SIF files, ${objects.filter((o) => !o.branch).length} of the default branch, ${stale.length} of deleted branches, ${retired.length} retired`,
    );
  }
  deleted.push(
    ...(await cleanBranchTags(
      config,
      [...names].filter((name) => containerNameProblem(name) === undefined).sort(),
      live,
      services.registry(config),
      opts.dryRun,
      output,
    )),
  );
  return { deleted };
}

/**
 * The identities of the remote's branches: each answers to its branchSlug and to the plain
 * slug files were named by before it existed. No branch at all stops the run: every file
 * would look like a deleted branch's.
 */
export async function liveBranchSlugs(
  run: Runner,
  remote: string,
  output: Output,
): Promise<ReadonlySet<string>> {
  const refs = await lsRemote(
    run,
    remote,
    ["refs/heads/*"],
    "check --remote and the job's access to the repository",
  );
  const live = new Set(
    [...refs.keys()]
      .filter((ref) => ref.startsWith("refs/heads/"))
      .map((ref) => ref.slice("refs/heads/".length))
      .flatMap((branch) => [branchSlug(branch), gitlabSlug(branch)]),
  );
  if (live.size === 0)
    throw new UserError(
      `git ls-remote ${remote} listed no branches: refusing to treat every branch as deleted`,
    );
  output.out(`${refs.size} branches exist on ${remote}`);
  return live;
}

/** The container a SIF key is of: its file name up to `__`. */
const containerOf = (key: string) => key.slice(key.lastIndexOf("/") + 1).split("__")[0]!;

/**
 * The current SIF files of tags no longer built (see planSifRetirement), with their archived
 * copies; files of deleted branches are dealt with already. `maxAgeDays: 0`: none.
 */
function retiredFiles(
  objects: readonly (SifObject & { lastModified: Date })[],
  stale: readonly SifObject[],
  retire: Config["retire"],
  now: Date,
): { key: string; why: string }[] {
  if (retire.maxAgeDays === 0) return [];
  const gone = new Set(stale.map((s) => s.key));
  const current = objects.filter(
    (o) => !gone.has(o.key) && !o.key.includes("/archive/") && !o.key.startsWith("archive/"),
  );
  const keys = objects.map((o) => o.key);
  return planSifRetirement(
    current.map((o) => ({ ...o, name: containerOf(o.key) })),
    retire,
    now,
  )
    .filter((fate) => !fate.keep)
    .flatMap(({ file, reason }) => [
      { key: file.key, why: reason },
      ...sifArchivesOf(keys, file.key).map((a) => ({
        key: a.name,
        why: `an archive of ${file.key}, retired`,
      })),
    ]);
}

/** Deletes the keys in batches of 1,000; the first failure stops the run, naming the keys. */
async function deleteAll(bucket: ContainersBucket, keys: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const result = await bucket.deleteBatch(keys.slice(i, i + 1000));
    deleted.push(...result.deleted);
    if (result.failed.length > 0)
      throw new UserError(
        `${bucket.description}: could not delete ${result.failed.map((f) => `${f.key} (${f.message})`).join(", ")}`,
      );
  }
  return deleted;
}

/** The container names of every arch's definitions; none (said why) when they cannot be read. */
async function definedContainers(
  repoRoot: string,
  config: Config,
  output: Output,
): Promise<string[]> {
  try {
    const read = await readDefinitions(repoRoot, Object.keys(config.architectures));
    return read.architectures.flatMap((a) => a.containers.map((c) => c.name));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    output.out(
      `the definitions cannot be read (${error.message.split("\n")[0]}): in the registry, only the containers the buckets hold files of are looked at`,
    );
    return [];
  }
}

/** One arch per distinct bucket, endpoint and prefix: archs often share a containers bucket. */
function distinctBuckets(config: Config): { arch: Architecture; prefix: string }[] {
  const seen = new Set<string>();
  const result: { arch: Architecture; prefix: string }[] = [];
  for (const arch of resolveArchitectures(config).values()) {
    const { bucket, endpoint, prefix } = arch.containers;
    const id = JSON.stringify([bucket, endpoint ?? "", prefix]);
    if (seen.has(id)) continue;
    seen.add(id);
    result.push({ arch, prefix: prefix.replace(/^\/+|\/+$/g, "") });
  }
  return result;
}
