import type { ImageReference } from "../definitions/image-ref.js";

/** The image of one architecture behind a reference, as its config blob describes it. */
export interface ArchImage {
  readonly digest: string;
  readonly architecture: string;
  readonly os: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Why no image answers for an architecture. */
export type ImageAbsence =
  | { readonly missing: "reference" }
  | { readonly missing: "arch"; readonly available: readonly string[] };

/**
 * What the pipeline asks of a registry. A missing image is an answer; a refused login,
 * a server error or a timeout is an error (never taken as "missing").
 */
export interface ImageRegistry {
  /** The image for `arch` behind `ref`: through an index/manifest list, or a single manifest of that arch. */
  imageFor(ref: ImageReference, arch: string): Promise<ArchImage | ImageAbsence>;
  /** The digest `ref` resolves to (of the index when it is multi-arch), or undefined when it does not exist. */
  digestOf(ref: ImageReference): Promise<string | undefined>;
}

export function isAbsent(result: ArchImage | ImageAbsence): result is ImageAbsence {
  return "missing" in result;
}
