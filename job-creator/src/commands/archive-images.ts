import { join } from "node:path";
import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import {
  archivesOf,
  archiveTag,
  archivesOn,
  freeArchiveTime,
  planRetention,
  type Retention,
} from "../archive/plan.js";
import { readConfig } from "../config/read.js";
import type { Config } from "../config/schema.js";
import { parseImageReference } from "../definitions/image-ref.js";
import { withDigests, type Repository, type TagStore } from "../registry/tag-client.js";

export interface ArchiveImagesOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** `registry/repository:tag` of each tag the pipeline is about to replace. */
  readonly images: readonly string[];
  readonly dryRun: boolean;
  readonly now: Date;
}

/**
 * `jc archive-images`: the job before a pipeline's builds and publications. Each tag about to
 * be replaced keeps its image as `<tag>-archived-<UTC time>` (its manifest put under that
 * name: no layer moves), then the archives beyond the retention go. An archive whose image
 * another tag still holds is never deleted (a registry deletes a manifest with every tag on
 * it). A registry that refuses deletes is reported, not a failure.
 */
export async function archiveImages(
  opts: ArchiveImagesOptions,
  tagsFor: (config: Config) => TagStore,
  output: Output,
): Promise<{ archived: string[]; deleted: string[] }> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const images = opts.images.map(parseTagged);
  const tags = tagsFor(config);
  const archived: string[] = [];
  const deleted: string[] = [];
  if (!archivesOn(config.archive)) {
    output.out("archives are off (archive.keep and archive.maxAgeDays are 0): nothing kept");
    return { archived, deleted };
  }
  for (const { repo, tag } of images) {
    const where = `${repo.registry}/${repo.repository}:${tag}`;
    const current = await tags.manifest(repo, tag);
    if (!current) {
      output.out(`${where}: does not exist yet, nothing to archive`);
      continue;
    }
    const names = await tags.tags(repo);
    const archives = await withDigests(tags, repo, archivesOf(names, tag));
    const newest = archives[0];
    if (newest?.digest === current.digest) {
      output.out(`${where}: ${current.digest} is already archived as ${newest.name}`);
    } else {
      const name = archiveTag(tag, freeArchiveTime(opts.now, archives));
      if (typeof name === "object") throw new UserError(name.error);
      if (!opts.dryRun) await tags.putManifest(repo, name, current);
      output.out(
        `${where}: ${current.digest} ${opts.dryRun ? "would be kept" : "kept"} as ${name}`,
      );
      archived.push(`${repo.registry}/${repo.repository}:${name}`);
      archives.unshift({ ...archivesOf([name], tag)[0]!, digest: current.digest });
    }
    const retention: Retention = config.archive;
    const fates = planRetention(archives, retention, opts.now);
    const doomed = fates.filter((f) => !f.keep);
    if (doomed.length === 0) continue;
    // Every other tag's image, and each kept archive's, stays: a delete takes all its tags.
    const others = names.filter((n) => !archives.some((a) => a.name === n));
    const held = new Map<string, string>([[current.digest, tag]]);
    for (const fate of fates) if (fate.keep) held.set(fate.archive.digest, fate.archive.name);
    for (const other of await withDigests(
      tags,
      repo,
      others.map((name) => ({ name })),
    ))
      held.set(other.digest, other.name);
    for (const { archive, reason } of doomed) {
      const holder = held.get(archive.digest);
      if (holder) {
        output.out(`${where}: keeping ${archive.name} (${reason}): ${holder} holds its image too`);
        continue;
      }
      const result = opts.dryRun ? "deleted" : await tags.deleteManifest(repo, archive.digest);
      if (result === "refused") {
        output.out(
          `${where}: ${repo.registry} refuses deletes: ${archive.name} stays (${reason}); delete it there by hand`,
        );
        continue;
      }
      deleted.push(`${repo.registry}/${repo.repository}:${archive.name}`);
      output.out(
        `${where}: ${opts.dryRun ? "would delete" : "deleted"} ${archive.name} (${reason})`,
      );
    }
  }
  return { archived, deleted };
}

function parseTagged(text: string): { repo: Repository; tag: string } {
  const parsed = parseImageReference(text);
  // The tag must be written out: a reference without one means `latest`, never meant here.
  const tagged = text.slice(text.lastIndexOf("/") + 1).includes(":");
  if ("error" in parsed || !parsed.tag || parsed.digest || !tagged)
    throw new InputError(
      `${JSON.stringify(text)} is not registry/repository:tag${"error" in parsed ? `: ${parsed.error}` : ""}`,
    );
  return { repo: { registry: parsed.registry, repository: parsed.repository }, tag: parsed.tag };
}
