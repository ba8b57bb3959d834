import type { Output } from "../../../common/src/cli.js";
import { staleBranchTags, tagSuffixes, type RepositoryTag } from "../cleanup/stale-branches.js";
import { resolveArchitectures } from "../config/architecture.js";
import type { Config } from "../config/schema.js";
import { containerRepository } from "../containers/targets.js";
import { repositoryOf, withDigests, type TagStore } from "../registry/tag-client.js";

/** What the registry part of `jc clean-branches` needs. */
export interface BranchTagServices {
  readonly tags: TagStore;
  /** `$CI_REGISTRY_IMAGE` and the like in the configuration, expanded. */
  readonly expand: (text: string) => string;
}

/**
 * Deletes the project registry's container tags of deleted branches (branch images and
 * their archives; nothing is published off the default branch), per container named. A tag
 * whose image a kept tag holds stays, said why; a registry that refuses deletes is reported,
 * and the cleanup goes on.
 */
export async function cleanBranchTags(
  config: Config,
  names: readonly string[],
  live: ReadonlySet<string>,
  services: BranchTagServices,
  dryRun: boolean,
  output: Output,
): Promise<string[]> {
  const suffixes = tagSuffixes(resolveArchitectures(config).values());
  const deleted: string[] = [];
  for (const name of names) {
    const repo = repositoryOf(services.expand(containerRepository(config, name)));
    const where = `${repo.registry}/${repo.repository}`;
    const listed = (await services.tags.tags(repo)).map((name) => ({ name }));
    const tags: RepositoryTag[] = (await withDigests(services.tags, repo, listed)).map((t) => ({
      tag: t.name,
      digest: t.digest,
    }));
    const { stale, sharing } = staleBranchTags(tags, live, suffixes);
    for (const t of sharing)
      output.out(`keep ${where}:${t.tag}: its branch is gone, but ${t.holder} holds its image too`);
    const done = new Set<string>();
    for (const t of stale) {
      if (!done.has(t.digest)) {
        const result = dryRun ? "deleted" : await services.tags.deleteManifest(repo, t.digest);
        if (result === "refused") {
          output.out(
            `keep ${where}:${t.tag}: its branch is gone, but ${repo.registry} refuses deletes: delete it there by hand`,
          );
          continue;
        }
        done.add(t.digest);
      }
      deleted.push(`${where}:${t.tag}`);
      output.out(`${dryRun ? "would delete" : "delete"} ${where}:${t.tag} (its branch is gone)`);
    }
  }
  return deleted;
}
