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
