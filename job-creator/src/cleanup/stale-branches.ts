import { SIF_METADATA } from "../containers/targets.js";

/** A SIF object of the containers bucket and the branch slug its metadata records, if any. */
export interface SifObject {
  readonly key: string;
  /** Undefined for default-branch files, which carry no branch: those are never deleted. */
  readonly branch?: string;
}

/** SIF files (current and archived) carry `__` between name and tag. */
export const isSifKey = (key: string) => key.endsWith(".sif") && key.includes("__");

export const branchOf = (metadata: Readonly<Record<string, string>> | undefined) =>
  metadata?.[SIF_METADATA.branch] || undefined;

/** The files of branches that no longer exist; default-branch files never qualify. */
export function staleBranchFiles(
  objects: readonly SifObject[],
  liveBranchSlugs: ReadonlySet<string>,
): SifObject[] {
  return objects.filter((o) => o.branch !== undefined && !liveBranchSlugs.has(o.branch));
}

/** A container tag's archive suffix, `-archived-<UTC stamp>`. */
const ARCHIVED = /-archived-\d{8}T\d{6}Z$/;
/** What branchSlug gives: GitLab's slug, or it cut and followed by 8 hex characters. */
const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What container tags end with per arch: Spack containers' suffix, `.def` ones' `__<arch>`. */
export const tagSuffixes = (
  architectures: Iterable<{ readonly name: string; readonly tagSuffix: string }>,
): string[] => [...architectures].flatMap((a) => [a.tagSuffix, `__${a.name}`]);

/**
 * The branch identity a container tag carries, once per way of reading it: Spack
 * containers' `<version>__<branch><suffix>` (`fix-arm64` may be a branch, or `fix` and
 * arm64's suffix), `.def` ones' `<source>__<branch>__<arch>`, maybe archived. None for
 * default-branch tags (nothing between `__` and a suffix, or no `__`) and for tags of any
 * other form: only what surely names a branch is ever read as one.
 */
export function tagBranches(tag: string, suffixes: readonly string[]): string[] {
  const at = tag.indexOf("__");
  if (at < 0) return [];
  // From the first `__` on, so that a `__<arch>` suffix is read whole.
  const rest = tag.slice(at).replace(ARCHIVED, "");
  const readings = [
    rest,
    ...suffixes.filter((s) => s && rest.endsWith(s)).map((s) => rest.slice(0, -s.length)),
  ].map((reading) => reading.slice(2));
  if (readings.includes("")) return [];
  return [...new Set(readings.filter((slug) => SLUG.test(slug)))];
}

/** One tag of a container repository, with the image it holds. */
export interface RepositoryTag {
  readonly tag: string;
  readonly digest: string;
}

/**
 * The tags of deleted branches: every reading of the tag names a branch that is gone.
 * A tag whose image a kept tag also holds stays (a registry deletes an image with all its
 * tags), with the reason.
 */
export function staleBranchTags(
  tags: readonly RepositoryTag[],
  liveBranchSlugs: ReadonlySet<string>,
  suffixes: readonly string[],
): { stale: RepositoryTag[]; sharing: (RepositoryTag & { holder: string })[] } {
  const dead = (tag: string) => {
    const branches = tagBranches(tag, suffixes);
    return branches.length > 0 && branches.every((b) => !liveBranchSlugs.has(b));
  };
  const kept = new Map(tags.filter((t) => !dead(t.tag)).map((t) => [t.digest, t.tag]));
  const doomed = tags.filter((t) => dead(t.tag));
  return {
    stale: doomed.filter((t) => !kept.has(t.digest)),
    sharing: doomed.flatMap((t) => {
      const holder = kept.get(t.digest);
      return holder ? [{ ...t, holder }] : [];
    }),
  };
}

/** A SIF file as the deploy jobs name their copies: `<container>__<tag>.sif`. */
const DEPLOYED_SIF = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)__([A-Za-z0-9_.-]+)\.sif$/;

/**
 * The deployed copies (file names in the deploy folder) of deleted branches: every reading
 * of the tag names a branch that is gone. Names of any other form are never chosen.
 */
export function staleDeployedFiles(
  names: readonly string[],
  liveBranchSlugs: ReadonlySet<string>,
  suffixes: readonly string[],
): { name: string; branch: string }[] {
  return names.flatMap((name) => {
    const tag = DEPLOYED_SIF.exec(name)?.[2];
    const branches = tag === undefined ? [] : tagBranches(tag, suffixes);
    return branches.length > 0 && branches.every((b) => !liveBranchSlugs.has(b))
      ? [{ name, branch: branches[0]! }]
      : [];
  });
}
