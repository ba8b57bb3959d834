import { createHash } from "node:crypto";

export const BASE_IMAGES = ["builder", "runtime", "singularitah"] as const;
export type BaseImageName = (typeof BASE_IMAGES)[number];

/** Label keys that record what an image was built from. */
export const LABELS = {
  checksum: "org.spacktainers.build-folder.sha256",
  spackCommit: "org.spacktainers.spack.commit",
  tool: (name: string) => `org.spacktainers.tool.${name}.version`,
} as const;

/** What one base image is built from, read before planning. */
export interface BaseImageInputs {
  readonly image: BaseImageName;
  /** sha256 of every file below the image's build folder. */
  readonly folderChecksum: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The labels the image must carry to count as up to date. */
  readonly labels: Readonly<Record<string, string>>;
}

export type ImageDecision =
  | { readonly action: "rebuild"; readonly reason: string }
  | { readonly action: "keep"; readonly reason: string };

export interface BaseImagePlan {
  readonly image: BaseImageName;
  readonly arch: string;
  /** `<image root>/<image name>`, may hold CI variables. */
  readonly repository: string;
  /** Content tag shared by every arch; the arch image is `<tag>-<arch>`. */
  readonly tag: string;
  readonly archTag: string;
  readonly inputs: BaseImageInputs;
  readonly decision: ImageDecision;
}

/**
 * The tag is derived from the inputs, not from the clock or the branch: every job of a
 * pipeline, and every pipeline with the same inputs, names the same image. (The
 * original's date-of-day tags drifted across midnight.)
 */
export function contentTag(inputs: Pick<BaseImageInputs, "labels" | "buildArgs">): string {
  const canonical = JSON.stringify([sortedEntries(inputs.labels), sortedEntries(inputs.buildArgs)]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Which base images an architecture needs, given the kinds of its containers. */
export function imagesNeeded(kinds: ReadonlySet<"spack" | "custom">): BaseImageName[] {
  const images: BaseImageName[] = [];
  if (kinds.has("spack")) images.push("builder", "runtime");
  if (kinds.size > 0) images.push("singularitah");
  return images;
}

/** Plans one base image for one arch, given the decision already taken for it. */
export function planBaseImage(
  inputs: BaseImageInputs,
  arch: string,
  repository: string,
  decision: ImageDecision,
): BaseImagePlan {
  const tag = contentTag(inputs);
  return {
    image: inputs.image,
    arch,
    repository,
    tag,
    archTag: `${tag}-${arch}`,
    inputs,
    decision,
  };
}

/** The reference a job uses for an arch image: `<repository>:<tag>-<arch>`. */
export function archImageRef(plan: Pick<BaseImagePlan, "repository" | "archTag">): string {
  return `${plan.repository}:${plan.archTag}`;
}
