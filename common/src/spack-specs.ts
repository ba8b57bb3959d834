/**
 * Spack's concrete specs as lock files and buildcache indexes write them, in every format
 * from Spack v0.18 to v1.0. Used by spackitor (what to keep) and job-creator (image tags).
 */
import { isMapping, text } from "./mapping.js";
import { parsePrunedJson } from "./pruned-json.js";

/** A concrete spec as an index or a lock file describes it. */
export interface SpecNode {
  readonly hash: string;
  readonly name: string;
  readonly version: string;
  /**
   * Link and run dependencies: what the spec's binary needs to work. Build-only
   * dependencies are left out: deleting one breaks no installed binary.
   */
  readonly dependencies: readonly string[];
  /** External (e.g. the system compiler in Spack 1.0): never in a binary cache. */
  readonly external: boolean;
}

/**
 * Reads a spec node of either format: with a `compiler` field (before Spack 1.0) or with
 * compilers as dependencies (1.0); dependencies as `{name, hash, type}` (lockfile v4) or
 * `{name, hash, parameters}` (v5, v6).
 */
export function readSpecNode(hash: string, node: unknown): SpecNode | undefined {
  if (!isMapping(node) || typeof node["name"] !== "string") return undefined;
  const entries = Array.isArray(node["dependencies"])
    ? node["dependencies"]
    : isMapping(node["dependencies"]) // the pre-v4 form: {name: {hash, type}}
      ? Object.values(node["dependencies"])
      : [];
  const dependencies = entries.flatMap((d) =>
    isMapping(d) && typeof d["hash"] === "string" && !buildOnly(d) ? [d["hash"]] : [],
  );
  return {
    hash: typeof node["hash"] === "string" ? node["hash"] : hash,
    name: node["name"],
    version: text(node["version"]),
    dependencies,
    external:
      isMapping(node["external"]) &&
      Boolean(node["external"]["path"] ?? node["external"]["module"]),
  };
}

/** Dependency types: `type` (lockfile v4) or `parameters.deptypes` (v5, v6); unknown counts as needed. */
function buildOnly(dependency: Record<string, unknown>): boolean {
  const types =
    dependency["type"] ??
    (isMapping(dependency["parameters"]) ? dependency["parameters"]["deptypes"] : undefined);
  return Array.isArray(types) && types.length > 0 && types.every((t) => t === "build");
}

/**
 * A concrete spec of a lock file, without its dependencies: a lock file holds the whole
 * closure of its roots, and the graph its readers walk is the build cache index's.
 */
export type LockedSpec = Omit<SpecNode, "dependencies">;

/** A parsed `spack.lock`: its roots (the environment's specs, in order) and every concrete spec. */
export interface LockFile {
  readonly roots: readonly { readonly hash: string; readonly spec: string }[];
  readonly specs: ReadonlyMap<string, LockedSpec>;
}

/** The members of a lock file's spec node that make a `LockedSpec`. */
const LOCKED_SPEC_MEMBERS: ReadonlySet<string> = new Set(["name", "hash", "version", "external"]);

/**
 * Parses a `spack.lock` from its bytes without building the members of its specs that a
 * `LockedSpec` does not hold (see pruned-json.ts). Throws a SyntaxError for what is not JSON.
 */
export function parseLockBytes(bytes: Uint8Array): LockFile | { error: string } {
  return parseLockFile(
    parsePrunedJson(bytes, { under: "concrete_specs", keep: LOCKED_SPEC_MEMBERS }),
  );
}

/** Parses a `spack.lock` (lockfile v3 to v6). */
export function parseLockFile(json: unknown): LockFile | { error: string } {
  if (!isMapping(json) || !isMapping(json["concrete_specs"]))
    return { error: "not a spack.lock: no concrete_specs" };
  const version = isMapping(json["_meta"]) ? Number(json["_meta"]["lockfile-version"]) : NaN;
  if (!(version >= 3))
    return { error: `lockfile version ${String(version)} is not supported (3 or later)` };
  const specs = new Map<string, LockedSpec>();
  for (const [hash, node] of Object.entries(json["concrete_specs"])) {
    const spec = readSpecNode(hash, node);
    if (spec)
      specs.set(hash, {
        hash: spec.hash,
        name: spec.name,
        version: spec.version,
        external: spec.external,
      });
  }
  const roots = (Array.isArray(json["roots"]) ? json["roots"] : []).flatMap((r) =>
    isMapping(r) && typeof r["hash"] === "string"
      ? [{ hash: r["hash"], spec: text(r["spec"]) }]
      : [],
  );
  return { roots, specs };
}
