import { isMapping } from "../../common/src/mapping.js";
import { readSpecNode, type SpecNode } from "../../common/src/spack-specs.js";

/** An index entry: a spec and whether the cache holds its binary. */
export interface IndexEntry extends SpecNode {
  readonly inBuildcache: boolean;
}

/** Parses a buildcache index (`{database: {version, installs}}`, database v6 to v8). */
export function parseIndex(json: unknown): Map<string, IndexEntry> | { error: string } {
  const installs =
    isMapping(json) && isMapping(json["database"]) ? json["database"]["installs"] : undefined;
  if (!isMapping(installs)) return { error: "not a Spack buildcache index: no database.installs" };
  const entries = new Map<string, IndexEntry>();
  for (const [hash, record] of Object.entries(installs)) {
    const node = readSpecNode(hash, isMapping(record) ? record["spec"] : undefined);
    if (!node) return { error: `entry ${hash} has no spec` };
    const inBuildcache = isMapping(record) && record["in_buildcache"] !== false && !node.external;
    entries.set(hash, { ...node, inBuildcache });
  }
  return entries;
}
