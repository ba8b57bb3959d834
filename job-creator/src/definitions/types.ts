import type { ImageReference } from "./image-ref.js";

/** A file copied into a container image: `source` is a path inside the repository. */
export interface FilePair {
  readonly source: string;
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
  /** `Dockerfile.epilogue` of a folder definition, relative to the repository root. */
  readonly epilogue?: string;
}

/** A Singularity container built from an existing image (`<name>.def`). */
export interface CustomContainer {
  readonly kind: "custom";
  readonly name: string;
  readonly arch: string;
  readonly source: string;
  readonly definitionFile: string;
  readonly from: ImageReference;
}

export type ContainerDefinition = SpackContainer | CustomContainer;

/** All definitions of one architecture folder. */
export interface ArchitectureDefinitions {
  readonly arch: string;
  readonly containers: readonly ContainerDefinition[];
}
