import { withoutControls } from "../../../common/src/control-characters.js";
/**
 * What is published of a container: its tags per registry and its SIF files, each with its
 * archives, sorted out per architecture. Pure: tag lists, object listings and labels come in,
 * the listing `jc images` prints goes out.
 */
import {
  archivesOf,
  ARCHIVE_MARK,
  sifArchivesOf,
  stampTime,
  type Archive,
} from "../archive/plan.js";
import {
  BUILDER_IMAGE_LABEL,
  CONTAINER_LABELS,
  SIF_METADATA,
  inputLabel,
} from "../containers/targets.js";
import { LABELS as BASE_IMAGE_LABELS } from "../base-images/plan.js";

/** An architecture as tags show it: Spack containers end with `tagSuffix`, `.def` ones with `__<name>`. */
export interface ArchSuffixes {
  readonly name: string;
  readonly tagSuffix: string;
}

/**
 * The architecture a (live) tag belongs to: the one whose suffix is the longest the tag ends
 * with, so `1.0-arm64` is arm64's even though amd64's suffix is empty.
 */
export function archOfTag(tag: string, archs: readonly ArchSuffixes[]): string | undefined {
  let best: { arch: string; length: number } | undefined;
  for (const arch of archs)
    for (const suffix of [arch.tagSuffix, `__${arch.name}`])
      if (tag.endsWith(suffix) && (!best || suffix.length > best.length))
        best = { arch: arch.name, length: suffix.length };
  return best?.arch;
}

/** A tag and its archives (newest first); `live` is false when only archives are left. */
export interface TagGroup {
  readonly tag: string;
  readonly live: boolean;
  readonly archives: readonly Archive[];
}

/** The tags of one architecture among a repository's tags, live or archived, sorted by name. */
export function tagsOfArch(
  tags: readonly string[],
  arch: string,
  archs: readonly ArchSuffixes[],
): TagGroup[] {
  const live = new Set(tags.filter((t) => !isArchiveTag(t)));
  const bases = new Set([...live, ...tags.flatMap((t) => archiveBase(t) ?? [])]);
  return [...bases]
    .filter((tag) => archOfTag(tag, archs) === arch)
    .sort()
    .map((tag) => ({ tag, live: live.has(tag), archives: archivesOf(tags, tag) }));
}

const isArchiveTag = (tag: string) => archiveBase(tag) !== undefined;

function archiveBase(tag: string): string | undefined {
  const at = tag.lastIndexOf(ARCHIVE_MARK);
  return at > 0 && stampTime(tag.slice(at + ARCHIVE_MARK.length)) ? tag.slice(0, at) : undefined;
}

/** A SIF file of the bucket and its archived copies (`<dir>archive/<name>__<tag>.<stamp>.sif`). */
export interface SifGroup<O extends { readonly key: string }> {
  readonly tag: string;
  readonly key: string;
  readonly object?: O;
  readonly archives: readonly (Archive & { readonly object: O })[];
}

/**
 * The SIF files of container `name` for one architecture among the objects listed under
 * `dir` (the arch's containers prefix with its slash), with their archives.
 */
export function sifFilesOfArch<O extends { readonly key: string }>(
  objects: readonly O[],
  dir: string,
  name: string,
  arch: string,
  archs: readonly ArchSuffixes[],
): SifGroup<O>[] {
  const current = `${dir}${name}__`;
  const archived = `${dir}archive/${name}__`;
  const byKey = new Map(objects.map((o) => [o.key, o]));
  const tags = new Set<string>();
  for (const { key } of objects) {
    if (key.startsWith(current) && key.endsWith(".sif") && !key.includes("/", current.length))
      tags.add(key.slice(current.length, -".sif".length));
    const stamped = key.startsWith(archived) && /^(.+)\.\d{8}T\d{6}Z\.sif$/.exec(key);
    if (stamped && !stamped[1]!.includes("/", archived.length))
      tags.add(stamped[1]!.slice(archived.length));
  }
  const keys = [...byKey.keys()];
  return [...tags]
    .filter((tag) => tag !== "" && archOfTag(tag, archs) === arch)
    .sort()
    .map((tag) => {
      const key = `${current}${tag}.sif`;
      const object = byKey.get(key);
      return {
        tag,
        key,
        ...(object ? { object } : {}),
        archives: sifArchivesOf(keys, key).map((a) => ({ ...a, object: byKey.get(a.name)! })),
      };
    });
}

/** What a user asks of a published image, read from its labels (absent ones are left out). */
export interface ImageFacts {
  readonly built?: string;
  readonly checksum?: string;
  readonly definition?: string;
  readonly revision?: string;
  readonly branch?: string;
  readonly builderImage?: string;
}

export function imageFacts(labels: Readonly<Record<string, string>>): ImageFacts {
  // Whoever pushed an image chose its labels, and they reach a terminal.
  const pick = (key: string) => withoutControls(labels[key] ?? "") || undefined;
  const facts = {
    built: pick("org.opencontainers.image.created"),
    checksum: pick(CONTAINER_LABELS.checksum),
    definition: pick(inputLabel("definition")),
    revision: pick("org.opencontainers.image.revision"),
    branch: pick("org.spacktainers.branch"),
    builderImage: pick(BUILDER_IMAGE_LABEL),
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

/** The Spack commit a builder image records. */
export const spackCommitOf = (builderLabels: Readonly<Record<string, string>>) =>
  builderLabels[BASE_IMAGE_LABELS.spackCommit] || undefined;

/** What a SIF file's metadata says (sif-store.sh records the file's sha256 since this release). */
export function sifFacts(metadata: Readonly<Record<string, string>> | undefined) {
  const facts = {
    sha256: metadata?.["sha256"],
    checksum: metadata?.[SIF_METADATA.checksum],
    branch: metadata?.[SIF_METADATA.branch],
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v)) as {
    sha256?: string;
    checksum?: string;
    branch?: string;
  };
}
