import type { ImageFacts } from "./inventory.js";

/** One tag of a registry place: the image it holds and what its labels say, with its archives. */
export interface TagListing {
  readonly tag: string;
  /** Undefined when only archives of the tag are left. */
  readonly digest?: string;
  readonly facts: ImageFacts & { readonly spackCommit?: string };
  readonly archives: readonly {
    readonly tag: string;
    readonly stamp: string;
    readonly digest?: string;
  }[];
}

/** A registry a container is published to: the project's (`registry`) or a publish target. */
export interface RegistryListing {
  readonly place: string;
  readonly repository: string;
  readonly tags: readonly TagListing[];
  /** Why the place could not be read; the others are still listed. */
  readonly error?: string;
}

export interface SifFileListing {
  readonly key: string;
  /** Undefined when only archived copies are left. */
  readonly size?: number;
  readonly modified?: string;
  readonly sha256?: string;
  readonly checksum?: string;
  readonly branch?: string;
  readonly archives: readonly {
    readonly key: string;
    readonly stamp: string;
    readonly size: number;
  }[];
}

export interface SifListing {
  readonly bucket: string;
  readonly files: readonly SifFileListing[];
  readonly error?: string;
}

/** Everything published of one container for one architecture. */
export interface ContainerListing {
  readonly name: string;
  readonly arch: string;
  /** `spack` containers have images; `.def` ones only SIF files; `unknown` when not defined. */
  readonly kind: "spack" | "custom" | "unknown";
  readonly registries: readonly RegistryListing[];
  readonly sif: SifListing;
}

const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The listing as `jc images` prints it: a block per container and arch, a line per tag or file. */
export function renderListings(listings: readonly ContainerListing[]): string[] {
  const lines: string[] = [];
  for (const listing of listings) {
    const kind = listing.kind === "unknown" ? " (not defined any more)" : "";
    lines.push(`${listing.name} for ${listing.arch}${kind}`);
    for (const place of listing.registries) {
      lines.push(`  ${place.place}  ${place.repository}`);
      if (place.error) lines.push(`    cannot be read: ${place.error}`);
      else if (place.tags.length === 0) lines.push(`    no tags for ${listing.arch}`);
      for (const tag of place.tags) lines.push(...tagLines(tag));
    }
    lines.push(`  sif  ${listing.sif.bucket}`);
    if (listing.sif.error) lines.push(`    cannot be read: ${listing.sif.error}`);
    else if (listing.sif.files.length === 0) lines.push(`    no SIF files for ${listing.arch}`);
    for (const file of listing.sif.files) lines.push(...sifLines(file));
  }
  return lines;
}

function tagLines(tag: TagListing): string[] {
  const f = tag.facts;
  const fields = [
    tag.digest ? short(tag.digest) : "gone (archives only)",
    f.built && `built ${f.built}`,
    f.checksum && `checksum ${f.checksum.slice(0, 12)}`,
    f.definition && `definition ${f.definition}`,
    f.spackCommit && `spack ${f.spackCommit.slice(0, 12)}`,
    f.revision && `commit ${f.revision.slice(0, 12)}`,
  ].filter(Boolean);
  return [
    `    ${tag.tag}  ${fields.join("  ")}`,
    ...archiveLines(
      tag.archives,
      (a) => a.tag,
      (a) => a.digest && short(a.digest),
    ),
  ];
}

function sifLines(file: SifFileListing): string[] {
  const fields = [
    file.size === undefined ? "gone (archives only)" : formatSize(file.size),
    file.modified && `uploaded ${file.modified}`,
    file.sha256 && `sha256 ${file.sha256.slice(0, 12)}`,
    file.checksum && `checksum ${file.checksum.slice(0, 12)}`,
    file.branch && `branch ${file.branch}`,
  ].filter(Boolean);
  return [
    `    ${file.key}  ${fields.join("  ")}`,
    ...archiveLines(
      file.archives,
      (a) => a.key,
      (a) => formatSize(a.size),
    ),
  ];
}

function archiveLines<A>(
  archives: readonly A[],
  name: (archive: A) => string,
  detail: (archive: A) => string | undefined,
): string[] {
  return archives.map((a) => {
    const more = detail(a);
    return `      archived  ${name(a)}${more ? `  ${more}` : ""}`;
  });
}
