import type { ImageReference } from "./image-ref.js";

/** A file copied into a container image: `source` is a path inside the repository. */
export interface FilePair {
  readonly source: string;
  readonly target: string;
}

/**
 * Another container of the same architecture a definition builds on (`spacktainer.base:`,
 * or `Bootstrap: spacktainer` with `From: NAME` in a `.def`), and the line that says so.
 */
export interface ContainerBase {
  readonly container: string;
  readonly line: number | undefined;
}

/** A file the build job downloads into the build context, checked against its sha256. */
export interface FetchedInput {
  /** `s3://bucket/key` (read with the configured credentials) or `https://…`. */
  readonly url: string;
  readonly sha256: string;
  /** Absolute path inside the image. */
  readonly target: string;
}

/** A container built from a Spack environment (`<name>.yaml` or `<name>/spack.yaml`). */
export interface SpackContainer {
  readonly kind: "spack";
  readonly name: string;
  readonly arch: string;
  /** Definition file or folder, relative to the repository root. */
  readonly source: string;
  /** The YAML file that holds the environment, relative to the repository root. */
  readonly definitionFile: string;
  /** The `spack:` mapping of the definition. */
  readonly environment: Readonly<Record<string, unknown>>;
  readonly files: readonly FilePair[];
  /** `spacktainer.fetch`: inputs the build job downloads and verifies. */
  readonly fetched: readonly FetchedInput[];
  /** `Dockerfile.epilogue` of a folder definition, relative to the repository root. */
  readonly epilogue?: string;
  /** The Spack container whose image the runtime stage starts from, instead of the runtime image. */
  readonly base?: ContainerBase;
}

/** A Singularity container built from an existing image (`<name>.def`). */
export interface CustomContainer {
  readonly kind: "custom";
  readonly name: string;
  readonly arch: string;
  readonly source: string;
  readonly definitionFile: string;
  /** The image it starts from: one of a registry, or one of our Spack containers. */
  readonly from: ImageReference | ContainerBase;
}

/** The container of the same architecture `definition` builds on, if any. */
export const baseOf = (definition: ContainerDefinition): ContainerBase | undefined =>
  definition.kind === "spack"
    ? definition.base
    : "container" in definition.from
      ? definition.from
      : undefined;

export type ContainerDefinition = SpackContainer | CustomContainer;

/** All definitions of one architecture folder. */
export interface ArchitectureDefinitions {
  readonly arch: string;
  readonly containers: readonly ContainerDefinition[];
}
