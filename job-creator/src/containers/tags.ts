import { createHash } from "node:crypto";
import type { LockFile } from "../../../common/src/spack-specs.js";
import { specPackageName } from "./spec-name.js";

/** How tags differ by branch and arch (as the original: `<version>__<branch>` off the default branch, `-arm64`). */
export interface TagScheme {
  readonly onDefaultBranch: boolean;
  readonly branch: string;
  /** Appended for this arch, e.g. "" for amd64 and "-arm64" for arm64. */
  readonly archSuffix: string;
}

/** The version of a container's main package (its first spec) in its concrete environment. */
export function mainPackageVersion(lock: LockFile, firstSpec: string): string | { error: string } {
  const name = specPackageName(firstSpec);
  if (typeof name !== "string") return name;
  const fromRoots = lock.roots.map((r) => lock.specs.get(r.hash)).find((s) => s?.name === name);
  const spec = fromRoots ?? [...lock.specs.values()].find((s) => s.name === name);
  if (!spec)
    return {
      error: `the concrete environment has no spec of the main package "${name}" (from "${firstSpec}")`,
    };
  return spec.version;
}

/** GitLab's CI_COMMIT_REF_SLUG: lower case, anything but letters and digits as "-", at most 63 characters. */
export function gitlabSlug(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

/**
 * A branch's identity in tags, SIF names and metadata: GitLab's slug when that is the
 * branch name itself, otherwise the slug (cut to 54) plus 8 hex characters of the name's
 * sha256, so `feat/a` and `feat-a` never share images or files. Stable; at most 63 characters.
 */
export function branchSlug(branch: string): string {
  const slug = gitlabSlug(branch);
  if (slug === branch) return slug;
  const hash = createHash("sha256").update(branch).digest("hex").slice(0, 8);
  return `${slug.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

/** A registry tag for a container version: only the characters a tag may hold, at most 128. */
export function containerTag(version: string, scheme: TagScheme): string {
  const base = version.replace(/[^\w.-]+/g, "-").replace(/^[.-]+/, "") || "unversioned";
  const tag = `${base}${scheme.onDefaultBranch ? "" : `__${branchSlug(scheme.branch)}`}${scheme.archSuffix}`;
  return tag.slice(0, 128);
}
