import { join } from "node:path";
import { requireContainerName } from "../definitions/names.js";
import pLimit from "p-limit";
import { InputError, UserError } from "../../../common/src/errors.js";
import type { BucketStore, MetadataSource, ObjectInfo } from "../../../common/src/s3/types.js";
import { chosenArchitectures, type Architecture } from "../config/architecture.js";
import { readConfig } from "../config/read.js";
import type { Config } from "../config/schema.js";
import { containerRepository, sifFolder } from "../containers/targets.js";
import { readDefinitions } from "../definitions/read.js";
import { parseImageReference, type ImageReference } from "../definitions/image-ref.js";
import {
  imageFacts,
  sifFacts,
  sifFilesOfArch,
  spackCommitOf,
  tagsOfArch,
  type ArchSuffixes,
} from "../published/inventory.js";
import type {
  ContainerListing,
  RegistryListing,
  SifListing,
  TagListing,
} from "../published/listing.js";
import {
  repositoryOf,
  withDigests,
  type Repository,
  type TagStore,
} from "../registry/tag-client.js";

export interface ImagesOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** One container (also one no longer defined); all defined ones when absent. */
  readonly name?: string;
  /** The architectures to look at; all configured when empty. */
  readonly archs: readonly string[];
}

export interface ImagesServices {
  readonly tags: TagStore;
  /** The image `ref` holds for `arch` (its digest and labels), or undefined when there is none. */
  readonly image: (
    ref: ImageReference,
    arch: string,
  ) => Promise<{ digest: string; labels: Readonly<Record<string, string>> } | undefined>;
  readonly sifBucket: (arch: Architecture) => BucketStore & MetadataSource;
  /** `$CI_REGISTRY_IMAGE` and the like in the configuration, expanded. */
  readonly expand: (text: string) => string;
}

/**
 * `jc images`: per container and architecture, the tags of the project registry and of each
 * publish registry (with what their labels say and their archives) and the SIF files of the
 * containers bucket (size, sha256, archives). A place that cannot be read is listed with
 * why; `failed` counts them.
 */
export async function listImages(
  opts: ImagesOptions,
  servicesFor: (config: Config) => ImagesServices,
): Promise<{ listings: ContainerListing[]; failed: number }> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const chosen = chosenArchitectures(config, opts.archs);
  if (opts.name !== undefined) requireContainerName(opts.name);
  const definitions = await readDefinitions(opts.repoRoot, Object.keys(config.architectures));
  const wanted: { name: string; arch: Architecture; kind: ContainerListing["kind"] }[] = [];
  for (const arch of chosen) {
    const defined = definitions.architectures.find((a) => a.arch === arch.name)?.containers ?? [];
    for (const container of defined)
      if (opts.name === undefined || container.name === opts.name)
        wanted.push({ name: container.name, arch, kind: container.kind });
    // A container no longer defined may still be published: look for it as a Spack one.
    if (opts.name !== undefined && !defined.some((c) => c.name === opts.name))
      wanted.push({ name: opts.name, arch, kind: "unknown" });
  }
  if (wanted.length === 0 && opts.name === undefined)
    throw new InputError(`no containers are defined for ${chosen.map((a) => a.name).join(", ")}`);

  const services = servicesFor(config);
  const reader = new PlaceReader(services, chosenArchitectures(config, []));
  const limit = pLimit(8);
  const listings = await Promise.all(
    wanted.map(({ name, arch, kind }) =>
      limit(async (): Promise<ContainerListing> => {
        const places = kind === "custom" ? [] : registryPlaces(config, name, services.expand);
        return {
          name,
          arch: arch.name,
          kind,
          registries: await Promise.all(
            places.map((p) => reader.registry(p.place, p.repo, arch.name)),
          ),
          sif: await reader.sif(arch, name),
        };
      }),
    ),
  );
  const failed = listings.reduce(
    (n, l) => n + l.registries.filter((r) => r.error).length + (l.sif.error ? 1 : 0),
    0,
  );
  return { listings, failed };
}

function registryPlaces(config: Config, name: string, expand: (text: string) => string) {
  const repository = (text: string) => repositoryOf(expand(text));
  return [
    { place: "registry", repo: repository(containerRepository(config, name)) },
    ...config.publish.map((target) => ({
      place: target.name,
      repo: repository(`${target.registry}/${target.namespace}/${name}`),
    })),
  ];
}

/** Reads one place at a time, turning what a server refuses into the place's error. */
class PlaceReader {
  /** The Spack commit of each builder image, asked once per image and arch. */
  private readonly commits = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly services: ImagesServices,
    private readonly archs: readonly ArchSuffixes[],
  ) {}

  async registry(place: string, repo: Repository, arch: string): Promise<RegistryListing> {
    const repository = `${repo.registry}/${repo.repository}`;
    try {
      const groups = tagsOfArch(await this.services.tags.tags(repo), arch, this.archs);
      const tags = await Promise.all(
        groups.map(async (group): Promise<TagListing> => {
          const image = group.live
            ? await this.services.image({ ...repo, tag: group.tag }, arch)
            : undefined;
          const archives = await withDigests(this.services.tags, repo, group.archives);
          // An image of another arch under the tag (no labels for this one) still has a digest.
          const digest =
            image?.digest ??
            (group.live ? (await this.services.tags.manifest(repo, group.tag))?.digest : undefined);
          const facts = imageFacts(image?.labels ?? {});
          const spackCommit = facts.builderImage
            ? await this.spackCommit(facts.builderImage, arch)
            : undefined;
          return {
            tag: group.tag,
            ...(digest ? { digest } : {}),
            facts: { ...facts, ...(spackCommit ? { spackCommit } : {}) },
            archives: archives.map((a) => ({ tag: a.name, stamp: a.stamp, digest: a.digest })),
          };
        }),
      );
      return { place, repository, tags };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { place, repository, tags: [], error: error.message };
    }
  }

  async sif(arch: Architecture, name: string): Promise<SifListing> {
    const bucket = this.services.sifBucket(arch);
    const dir = sifFolder(arch);
    try {
      const objects: ObjectInfo[] = [];
      for (const prefix of [`${dir}${name}__`, `${dir}archive/${name}__`])
        for await (const object of bucket.list(prefix)) objects.push(object);
      const groups = sifFilesOfArch(objects, dir, name, arch.name, this.archs);
      const files = await Promise.all(
        groups.map(async (group) => {
          const facts = group.object ? sifFacts(await bucket.metadata(group.key)) : {};
          return {
            key: group.key,
            ...(group.object
              ? { size: group.object.size, modified: group.object.lastModified.toISOString() }
              : {}),
            ...facts,
            archives: group.archives.map((a) => ({
              key: a.name,
              stamp: a.stamp,
              size: a.object.size,
            })),
          };
        }),
      );
      return { bucket: bucket.description, files };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { bucket: bucket.description, files: [], error: error.message };
    }
  }

  private spackCommit(builderImage: string, arch: string): Promise<string | undefined> {
    const key = `${builderImage}|${arch}`;
    if (!this.commits.has(key)) {
      const read = async () => {
        try {
          const ref = parseImageReference(builderImage);
          if ("error" in ref) return undefined;
          const image = await this.services.image(ref, arch);
          return image ? spackCommitOf(image.labels) : undefined;
        } catch (error) {
          // The builder may be gone or elsewhere: the commit is then unknown, not an error.
          if (error instanceof UserError) return undefined;
          throw error;
        }
      };
      this.commits.set(key, read());
    }
    return this.commits.get(key)!;
  }
}
