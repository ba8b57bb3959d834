import { join } from "node:path";
import { requireContainerName } from "../definitions/names.js";
import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import type { BucketStore, ObjectCopier } from "../../../common/src/s3/types.js";
import {
  archivedTags,
  archivesOf,
  archiveStamp,
  archiveTag,
  chooseArchive,
  freeArchiveTime,
  sifArchiveKey,
  sifArchivesOf,
} from "../archive/plan.js";
import {
  chosenArchitectures,
  resolveArchitectures,
  type Architecture,
} from "../config/architecture.js";
import { readConfig } from "../config/read.js";
import type { Config } from "../config/schema.js";
import { containerRepository, sifKey } from "../containers/targets.js";
import { archOfTag } from "../published/inventory.js";
import {
  repositoryOf,
  withDigests,
  type Repository,
  type TagStore,
} from "../registry/tag-client.js";

export interface RollbackOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  readonly name: string;
  readonly arch: string;
  /** The tag to roll back; found from the archives when only one tag of the arch has any. */
  readonly tag?: string;
  /** Restore what each place held at this time; without it, undo the last replacement. */
  readonly to?: Date;
  /** `registry` (the project's), publish target names, `sif`; all when empty. */
  readonly only: readonly string[];
  readonly dryRun: boolean;
  readonly now: Date;
}

export interface RollbackServices {
  readonly tags: TagStore;
  readonly sifBucket: (arch: Architecture) => BucketStore & ObjectCopier;
  /** `$CI_REGISTRY_IMAGE` and the like in the configuration, expanded. */
  readonly expand: (text: string) => string;
}

/** A place a container is published to. */
type Place = { readonly label: string } & (
  { readonly kind: "registry"; readonly repo: Repository } | { readonly kind: "sif" }
);

/**
 * `jc rollback`: points a container's tag back at an archived image in the project registry
 * and each publish registry (the archive's manifest put under the tag: no layer moves), and
 * its SIF file back at the archived copy, after archiving what each holds now, so that a
 * rollback can itself be rolled back. `--dry-run` says the same and changes nothing.
 */
export async function rollback(
  opts: RollbackOptions,
  servicesFor: (config: Config) => RollbackServices,
  output: Output,
): Promise<{ changed: number }> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const services = servicesFor(config);
  const [arch] = chosenArchitectures(config, [opts.arch]) as [Architecture];
  requireContainerName(opts.name);
  const places = placesOf(config, opts, services.expand);
  const tag = opts.tag ?? (await soleArchivedTag(places, services.tags, arch, config, opts.name));
  const kept = opts.dryRun ? "would be kept as" : "kept as";
  output.out(
    `rolling back ${opts.name}:${tag} for ${opts.arch} ${opts.to ? `to what it held at ${archiveStamp(opts.to)}` : "to its previous image"}${opts.dryRun ? " (dry run: nothing changes)" : ""}`,
  );
  let changed = 0;
  let unarchived = 0;
  let failed = 0;
  for (const place of places) {
    try {
      const done =
        place.kind === "registry"
          ? await rollBackTag(place.repo, tag, opts, services.tags, kept)
          : await rollBackSif(services.sifBucket(arch), sifKey(arch, opts.name, tag), opts, kept);
      output.out(`${place.label}: ${done.line}`);
      if (done.changed) changed++;
      if (done.unarchived) unarchived++;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      failed++;
      output.err(`${place.label}: ${error.message}`);
    }
  }
  if (failed > 0)
    throw new UserError(`the rollback failed at ${failed} of ${places.length} places (above)`);
  if (unarchived === places.length)
    throw new UserError(`no place holds an archive of ${opts.name}:${tag}: nothing rolled back`);
  return { changed };
}

function placesOf(config: Config, opts: RollbackOptions, expand: (text: string) => string) {
  const repository = (text: string) => repositoryOf(expand(text));
  const all: Place[] = [
    {
      label: "registry",
      kind: "registry",
      repo: repository(containerRepository(config, opts.name)),
    },
    ...config.publish.map((target) => ({
      label: target.name,
      kind: "registry" as const,
      repo: repository(`${target.registry}/${target.namespace}/${opts.name}`),
    })),
    { label: "sif", kind: "sif" },
  ];
  const unknown = opts.only.filter((label) => !all.some((p) => p.label === label));
  if (unknown.length > 0)
    throw new InputError(
      `--only ${unknown.join(", ")}: no such place; the places are ${all.map((p) => p.label).join(", ")}`,
    );
  return opts.only.length === 0 ? all : all.filter((p) => opts.only.includes(p.label));
}

/** The one tag of this arch with archives in the first registry place; else ask for --tag. */
async function soleArchivedTag(
  places: readonly Place[],
  tags: TagStore,
  arch: Architecture,
  config: Config,
  name: string,
): Promise<string> {
  const place = places.find((p) => p.kind === "registry");
  if (!place) throw new InputError("--tag is needed when only the SIF file is rolled back");
  const archs = [...resolveArchitectures(config).values()];
  const ofArch = archivedTags(await tags.tags(place.repo)).filter(
    (tag) => archOfTag(tag, archs) === arch.name,
  );
  if (ofArch.length === 1) return ofArch[0]!;
  const where = `${place.repo.registry}/${place.repo.repository}`;
  throw new InputError(
    ofArch.length === 0
      ? `${where} has no archived tags of ${name} for ${arch.name}: nothing to roll back`
      : `${where} has archives of several tags of ${name} for ${arch.name} (${ofArch.join(", ")}): choose one with --tag`,
  );
}

/** What a rollback did at one place, as a line of its report. */
interface PlaceResult {
  readonly line: string;
  readonly changed: boolean;
  readonly unarchived?: boolean;
}

const NOT_ARCHIVED = (where: string): PlaceResult => ({
  line: `${where} has no archive: skipped`,
  changed: false,
  unarchived: true,
});

async function rollBackTag(
  repo: Repository,
  tag: string,
  opts: RollbackOptions,
  tags: TagStore,
  keptAs: string,
): Promise<PlaceResult> {
  const where = `${repo.registry}/${repo.repository}:${tag}`;
  const archives = await withDigests(tags, repo, archivesOf(await tags.tags(repo), tag));
  const current = await tags.manifest(repo, tag);
  if (archives.length === 0) return NOT_ARCHIVED(where);
  const choice = chooseArchive(archives, current?.digest, opts.to);
  if ("error" in choice) throw new UserError(`${where}: ${choice.error}`);
  if ("unchanged" in choice)
    return { line: `${where} unchanged: ${choice.unchanged}`, changed: false };
  const restored = (await tags.manifest(repo, choice.restore.name))!;
  const keepAs = current ? archiveTag(tag, freeArchiveTime(opts.now, archives)) : undefined;
  if (typeof keepAs === "object") throw new UserError(keepAs.error);
  if (!opts.dryRun) {
    if (current && keepAs) await tags.putManifest(repo, keepAs, current);
    await tags.putManifest(repo, tag, restored);
  }
  const kept = current && keepAs ? `; ${current.digest} ${keptAs} ${keepAs}` : "";
  return {
    line: `${where} ${opts.dryRun ? "would be" : "is"} ${restored.digest} again (archived ${choice.restore.stamp})${kept}`,
    changed: !opts.dryRun,
  };
}

async function rollBackSif(
  bucket: BucketStore & ObjectCopier,
  key: string,
  opts: RollbackOptions,
  keptAs: string,
): Promise<PlaceResult> {
  const where = `${bucket.description}/${key}`;
  const keysFrom = async (prefix: string) => {
    const keys: string[] = [];
    for await (const object of bucket.list(prefix)) keys.push(object.key);
    return keys;
  };
  const exists = (await keysFrom(key)).includes(key);
  // `<dir>/archive/<stem>.`: the archived copies of this file only.
  const archivePrefix = sifArchiveKey(key, opts.now).replace(/[^.]+\.sif$/, "");
  const archives = sifArchivesOf(await keysFrom(archivePrefix), key);
  if (archives.length === 0) return NOT_ARCHIVED(where);
  const choice = chooseArchive(archives, undefined, opts.to);
  if ("error" in choice) throw new UserError(`${where}: ${choice.error}`);
  if ("unchanged" in choice)
    return { line: `${where} unchanged: ${choice.unchanged}`, changed: false };
  const keepAs = sifArchiveKey(key, freeArchiveTime(opts.now, archives));
  if (!opts.dryRun) {
    if (exists && !(await bucket.copy(key, keepAs)))
      throw new UserError(`${where} vanished while it was being archived: nothing changed`);
    if (!(await bucket.copy(choice.restore.name, key)))
      throw new UserError(`${choice.restore.name} vanished: ${where} is unchanged`);
  }
  const kept = exists ? `; the current file ${keptAs} ${keepAs}` : "";
  return {
    line: `${where} ${opts.dryRun ? "would be" : "is"} ${choice.restore.name} again${kept}`,
    changed: !opts.dryRun,
  };
}
