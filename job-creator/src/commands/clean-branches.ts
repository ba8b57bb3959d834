import { resolveArchitectures, type Architecture } from "../config/architecture.js";
import { join } from "node:path";
import pLimit from "p-limit";
import type { Output } from "../../../common/src/cli.js";
import { UserError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import type { BucketStore, MetadataSource } from "../../../common/src/s3/types.js";
import { branchOf, isSifKey, staleBranchFiles, type SifObject } from "../cleanup/stale-branches.js";
import { readConfig } from "../config/read.js";
import type { Config } from "../config/schema.js";
import { branchSlug, gitlabSlug } from "../containers/tags.js";
import { lsRemote } from "../git/ls-remote.js";

export interface CleanBranchesOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** The git remote whose branches count as alive, e.g. `origin`. */
  readonly remote: string;
  readonly dryRun: boolean;
}

/** A containers bucket: what to list, read metadata of, and delete from. */
export type ContainersBucket = BucketStore & MetadataSource;

export interface CleanBranchesServices {
  readonly run: Runner;
  readonly bucket: (arch: Architecture) => ContainersBucket;
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
  const config = await readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const refs = await lsRemote(
    services.run,
    opts.remote,
    ["refs/heads/*"],
    "check --remote and the job's access to the repository",
  );
  // A live branch answers to its identity and to the plain slug files made before it existed.
  const live = new Set(
    [...refs.keys()]
      .filter((ref) => ref.startsWith("refs/heads/"))
      .map((ref) => ref.slice("refs/heads/".length))
      .flatMap((branch) => [branchSlug(branch), gitlabSlug(branch)]),
  );
  if (live.size === 0)
    throw new UserError(
      `git ls-remote ${opts.remote} listed no branches: refusing to treat every branch as deleted`,
    );
  output.out(`${refs.size} branches exist on ${opts.remote}`);

  const deleted: string[] = [];
  for (const { arch, prefix } of distinctBuckets(config)) {
    const bucket = services.bucket(arch);
    const keys: string[] = [];
    for await (const object of bucket.list(prefix ? `${prefix}/` : "")) {
      if (isSifKey(object.key)) keys.push(object.key);
    }
    const limit = pLimit(8);
    const objects = await Promise.all(
      keys.map((key) =>
        limit(async (): Promise<SifObject> => {
          const branch = branchOf(await bucket.metadata(key));
          return branch ? { key, branch } : { key };
        }),
      ),
    );
    const stale = staleBranchFiles(objects, live);
    for (const file of stale)
      output.out(
        `${opts.dryRun ? "would delete" : "delete"} ${bucket.description}/${file.key} (branch ${file.branch} is gone)`,
      );
    if (!opts.dryRun) {
      for (let i = 0; i < stale.length; i += 1000) {
        const result = await bucket.deleteBatch(stale.slice(i, i + 1000).map((f) => f.key));
        deleted.push(...result.deleted);
        if (result.failed.length > 0)
          throw new UserError(
            `${bucket.description}: could not delete ${result.failed.map((f) => `${f.key} (${f.message})`).join(", ")}`,
          );
      }
    }
    output.out(
      `${bucket.description}: ${objects.length} SIF files, ${objects.filter((o) => !o.branch).length} of the default branch, ${stale.length} of deleted branches`,
    );
  }
  return { deleted };
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
