import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Architecture } from "../config/architecture.js";
import type { Config } from "../config/schema.js";
import type { CustomContainer, SpackContainer } from "../definitions/types.js";
import { readPathChecksum } from "../base-images/checksum.js";
import { branchSlug, containerTag, type TagScheme } from "./tags.js";

/** Labels a container image carries; equal labels mean the image is up to date. */
export const CONTAINER_LABELS = {
  lockSha256: "org.spacktainers.spack-lock.sha256",
  checksum: "org.spacktainers.container.checksum",
} as const;

/** Names the builder image a container was built with: its Spack commit is on that image. It explains, it never decides. */
export const BUILDER_IMAGE_LABEL = "org.spacktainers.builder-image";

/** User metadata of SIF objects in the containers bucket (S3 keys are lower case). */
export const SIF_METADATA = {
  checksum: "container-checksum",
  lockSha256: "spack-lock-sha256",
  digest: "digest",
  /** The branch slug of SIF files built off the default branch: what the cleanup job reads. */
  branch: "branch",
} as const;

/** Where a container ends up, and what it must carry there to count as up to date. */
interface TargetBase {
  readonly name: string;
  readonly arch: string;
  readonly tag: string;
  /** `<containers prefix>/<name>__<tag>.sif` in the arch's containers bucket. */
  readonly sifKey: string;
  readonly sifMetadata: Readonly<Record<string, string>>;
  /** The Spack container of the same arch it starts from, and that image's reference. */
  readonly basedOn?: { readonly name: string; readonly ref: string };
  /** A digest per input of the checksum: recorded beside it, to say which input changed. */
  readonly inputs: Readonly<Record<ChecksumInput, string>>;
}

export interface SpackTarget extends TargetBase {
  readonly kind: "spack";
  readonly container: SpackContainer;
  /** The main package's version, which its tag starts with. */
  readonly version: string;
  /** Every spec of its lock file: hash -> package name (what its build installs). */
  readonly specs: ReadonlyMap<string, string>;
  /** `<imageRoot>/<containers>/<name>`, may hold CI variables. */
  readonly repository: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface CustomTarget extends TargetBase {
  readonly kind: "custom";
  readonly container: CustomContainer;
}

export type ContainerTarget = SpackTarget | CustomTarget;

export function tagScheme(
  arch: Architecture,
  branch: { onDefaultBranch: boolean; name: string },
): TagScheme {
  return {
    onDefaultBranch: branch.onDefaultBranch,
    branch: branch.name,
    archSuffix: arch.tagSuffix,
  };
}

/** `<imageRoot>/<containers>/<name>`: where a Spack container's image lives (may hold CI variables). */
export const containerRepository = (config: Config, name: string): string =>
  `${config.registry.imageRoot}/${config.images.containers}/${name}`;

/** The folder of the arch's SIF files in its containers bucket, with its slash ("" at the top). */
export function sifFolder(arch: Pick<Architecture, "containers">): string {
  const prefix = arch.containers.prefix.replace(/^\/+|\/+$/g, "");
  return prefix ? `${prefix}/` : "";
}

export function sifKey(arch: Architecture, name: string, tag: string): string {
  return `${sifFolder(arch)}${name}__${tag}.sif`;
}

export function spackTarget(
  config: Config,
  arch: Architecture,
  container: SpackContainer,
  facts: {
    version: string;
    lockSha256: string;
    checksum: ContainerChecksum;
    scheme: TagScheme;
    basedOn?: SpackTarget;
    specs?: ReadonlyMap<string, string>;
  },
): SpackTarget {
  const tag = containerTag(facts.version, facts.scheme);
  return {
    kind: "spack",
    name: container.name,
    arch: container.arch,
    tag,
    container,
    version: facts.version,
    specs: facts.specs ?? new Map(),
    repository: containerRepository(config, container.name),
    labels: {
      [CONTAINER_LABELS.lockSha256]: facts.lockSha256,
      [CONTAINER_LABELS.checksum]: facts.checksum.checksum,
    },
    inputs: facts.checksum.inputs,
    sifKey: sifKey(arch, container.name, tag),
    sifMetadata: {
      [SIF_METADATA.checksum]: facts.checksum.checksum,
      [SIF_METADATA.lockSha256]: facts.lockSha256,
      ...branchMetadata(facts.scheme),
    },
    ...basedOnField(facts.basedOn),
  };
}

const basedOnField = (base: SpackTarget | undefined) =>
  base ? { basedOn: { name: base.name, ref: imageRef(base.repository, base.tag) } } : {};

/** `repository:tag`. */
export const imageRef = (repository: string, tag: string) => `${repository}:${tag}`;

/**
 * A `.def` container is tagged after its source image: `<source tag>[__<branch>]__<arch>`
 * (the version of the Spack container it builds on), never after the digest the registry
 * gives for it.
 */
export function customTag(
  container: CustomContainer,
  scheme: TagScheme,
  basedOn: SpackTarget | undefined,
): string {
  const from = container.from;
  const source =
    "container" in from
      ? basedOn?.version
      : (from.tag ?? from.digest?.replace(/^.*:/, "").slice(0, 12));
  return containerTag(source ?? "latest", { ...scheme, archSuffix: `__${container.arch}` });
}

/** A `.def` container's target; `digest` is its source image's when the registry was asked. */
export function customTarget(
  arch: Architecture,
  container: CustomContainer,
  facts: {
    checksum: ContainerChecksum;
    digest?: string;
    scheme: TagScheme;
    basedOn?: SpackTarget;
  },
): CustomTarget {
  const tag = customTag(container, facts.scheme, facts.basedOn);
  return {
    kind: "custom",
    name: container.name,
    arch: container.arch,
    tag,
    container,
    sifKey: sifKey(arch, container.name, tag),
    sifMetadata: {
      [SIF_METADATA.checksum]: facts.checksum.checksum,
      ...(facts.digest ? { [SIF_METADATA.digest]: facts.digest } : {}),
      ...branchMetadata(facts.scheme),
    },
    inputs: facts.checksum.inputs,
    ...basedOnField(facts.basedOn),
  };
}

const branchMetadata = (scheme: TagScheme): Record<string, string> =>
  scheme.onDefaultBranch ? {} : { [SIF_METADATA.branch]: branchSlug(scheme.branch) };

/** What a container's checksum is made of, each part with a digest of its own. */
export const CHECKSUM_INPUTS = {
  "base-container": "the container it builds on",
  definition: "its definition",
  files: "the files it copies in",
  fetched: "the files it fetches",
  "base-images": "its base images (their build folders, tools or Spack commit)",
} as const;
export type ChecksumInput = keyof typeof CHECKSUM_INPUTS;

/** Image labels and SIF metadata keys of the input digests: they explain, they never decide. */
export const inputLabel = (input: ChecksumInput) => `org.spacktainers.input.${input}`;
export const inputMetadataKey = (input: ChecksumInput) => `input-${input}`;

/** The input digests of `target` under the keys `key` gives them (labels or SIF metadata). */
export const inputEntries = (
  target: { readonly inputs: Readonly<Record<ChecksumInput, string>> },
  key: (input: ChecksumInput) => string,
): [string, string][] =>
  (Object.entries(target.inputs) as [ChecksumInput, string][]).map(([input, digest]) => [
    key(input),
    digest,
  ]);

export interface ContainerChecksum {
  readonly checksum: string;
  /** A short digest per input, so a plan can say which one changed. */
  readonly inputs: Readonly<Record<ChecksumInput, string>>;
}

/**
 * What a container is built from besides its lock file: the definition (file or folder),
 * every file it copies in, the sha256 of every file it fetches, the base images, and the
 * labels of the container it builds on. A change to any of them changes the
 * checksum and so rebuilds the image and its SIF file.
 */
export function containerChecksum(
  repoRoot: string,
  container: SpackContainer | CustomContainer,
  baseImages: readonly string[],
  basedOn?: SpackTarget,
): ContainerChecksum {
  const parts: Record<ChecksumInput, string[]> = {
    "base-container": [],
    definition: [],
    files: [],
    fetched: [],
    "base-images": [],
  };
  // Built on one of ours: whatever rebuilds that one (its inputs or its lock) rebuilds this.
  if (basedOn)
    for (const [key, value] of Object.entries(basedOn.labels).sort())
      parts["base-container"].push(`on\0${basedOn.name}\0${key}\0${value}\0`);
  parts.definition.push(`definition\0${readPathChecksum(join(repoRoot, container.source))}\0`);
  if (container.kind === "spack") {
    for (const file of container.files) {
      const sum = readPathChecksum(join(repoRoot, file.source));
      parts.files.push(`file\0${file.source}\0${file.target}\0${sum}\0`);
    }
    // The definition holds them too; hashed on their own so no rewording of it can hide one.
    for (const input of container.fetched)
      parts.fetched.push(`fetched\0${input.url}\0${input.target}\0${input.sha256}\0`);
  }
  for (const image of baseImages) parts["base-images"].push(`base\0${image}\0`);
  const digest = (texts: readonly string[]) => {
    const hash = createHash("sha256");
    for (const text of texts) hash.update(text);
    return hash.digest("hex");
  };
  const names = Object.keys(parts) as ChecksumInput[];
  return {
    checksum: digest(names.flatMap((name) => parts[name])),
    inputs: Object.fromEntries(
      names.map((name) => [name, digest(parts[name]).slice(0, 16)]),
    ) as Record<ChecksumInput, string>,
  };
}
