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
}

export interface SpackTarget extends TargetBase {
  readonly kind: "spack";
  readonly container: SpackContainer;
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

export function sifKey(arch: Architecture, name: string, tag: string): string {
  const prefix = arch.containers.prefix.replace(/^\/+|\/+$/g, "");
  return `${prefix ? `${prefix}/` : ""}${name}__${tag}.sif`;
}

export function spackTarget(
  config: Config,
  arch: Architecture,
  container: SpackContainer,
  facts: { version: string; lockSha256: string; checksum: string; scheme: TagScheme },
): SpackTarget {
  const tag = containerTag(facts.version, facts.scheme);
  return {
    kind: "spack",
    name: container.name,
    arch: container.arch,
    tag,
    container,
    repository: containerRepository(config, container.name),
    labels: {
      [CONTAINER_LABELS.lockSha256]: facts.lockSha256,
      [CONTAINER_LABELS.checksum]: facts.checksum,
    },
    sifKey: sifKey(arch, container.name, tag),
    sifMetadata: {
      [SIF_METADATA.checksum]: facts.checksum,
      [SIF_METADATA.lockSha256]: facts.lockSha256,
      ...branchMetadata(facts.scheme),
    },
  };
}

/**
 * A `.def` container is tagged after its source image: `<source tag>[__<branch>]__<arch>`.
 * `digest` is the source image's digest when the registry was asked.
 */
export function customTarget(
  arch: Architecture,
  container: CustomContainer,
  facts: { checksum: string; digest?: string; scheme: TagScheme },
): CustomTarget {
  const source = container.from.tag ?? container.from.digest?.replace(/^.*:/, "").slice(0, 12);
  const tag = containerTag(source ?? "latest", {
    ...facts.scheme,
    archSuffix: `__${container.arch}`,
  });
  return {
    kind: "custom",
    name: container.name,
    arch: container.arch,
    tag,
    container,
    sifKey: sifKey(arch, container.name, tag),
    sifMetadata: {
      [SIF_METADATA.checksum]: facts.checksum,
      ...(facts.digest ? { [SIF_METADATA.digest]: facts.digest } : {}),
      ...branchMetadata(facts.scheme),
    },
  };
}

const branchMetadata = (scheme: TagScheme): Record<string, string> =>
  scheme.onDefaultBranch ? {} : { [SIF_METADATA.branch]: branchSlug(scheme.branch) };

/**
 * What a container is built from besides its lock file: the definition (file or folder),
 * every file it copies in, and the base images. A change to any of them changes the
 * checksum and so rebuilds the image and its SIF file.
 */
export async function containerChecksum(
  repoRoot: string,
  container: SpackContainer | CustomContainer,
  baseImages: readonly string[],
): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`definition\0${await readPathChecksum(join(repoRoot, container.source))}\0`);
  if (container.kind === "spack") {
    for (const file of container.files) {
      const sum = await readPathChecksum(join(repoRoot, file.source));
      hash.update(`file\0${file.source}\0${file.target}\0${sum}\0`);
    }
  }
  for (const image of baseImages) hash.update(`base\0${image}\0`);
  return hash.digest("hex");
}
