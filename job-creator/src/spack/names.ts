/**
 * Spack's own vocabulary, written once.
 * @see https://spack.readthedocs.io/en/latest/pipelines.html
 */
export const SPACK_JOB_KINDS = [
  "build-job",
  "reindex-job",
  "noop-job",
  "cleanup-job",
  "signing-job",
  "copy-job",
] as const;
export type SpackJobKind = (typeof SPACK_JOB_KINDS)[number];

export const REBUILD_INDEX_JOB = "rebuild-index";
export const NO_SPECS_TO_REBUILD_JOB = "no-specs-to-rebuild";
export const CLEANUP_JOB = "cleanup";
export const SIGN_PKGS_JOB = "sign-pkgs";
export const COPY_JOB = "copy";
export const REBUILD_INDEX_STAGE = "stage-rebuild-index";

/** From v0.21 Spack pushes to the mirror of this name; from v0.23 it requires it. */
export const UPLOAD_MIRROR_NAME = "buildcache-destination";
/** The plain mirror name used with Spack releases before v0.21. */
export const LEGACY_MIRROR_NAME = "spacktainers-cache";
/** The default branch's cache in other branches' environments, only fetched from. */
export const READ_ONLY_MIRROR_NAME = "spacktainers-default-branch";
