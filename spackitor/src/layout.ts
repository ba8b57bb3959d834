import {
  LEGACY_DIR,
  LEGACY_INDEX,
  LEGACY_INDEX_HASH,
  V3_INDEX_MANIFEST,
} from "../../common/src/spack-cache/index.js";

/**
 * Where a spec's objects live in each binary cache layout, and which spec an object
 * belongs to. Objects are tied to specs by the DAG hash in their names, never by
 * rebuilding names from spec fields: that also finds orphans.
 * @see https://spack.readthedocs.io/en/latest/binary_caches.html
 */
export type Layout = "legacy" | "v3";

/** What an object is, for the plan. */
export type ObjectKind =
  "tarball" | "spec" | "signature" | "manifest" | "blob" | "index" | "keys" | "layout" | "other";

const LEGACY_OBJECT =
  /-([a-z2-7]{32})\.(spack|spec\.json|spec\.json\.sig|spec\.yaml|spec\.json\.gz)$/;
const V3_MANIFEST = /^v3\/manifests\/spec\/[^/]+\/.+-([a-z2-7]{32})\.spec\.manifest\.json$/;
const BLOB = /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

export interface Classified {
  readonly kind: ObjectKind;
  readonly layout?: Layout;
  /** The DAG hash of the spec the object belongs to, for spec objects. */
  readonly hash?: string;
  /** The sha256 of a content-addressed blob. */
  readonly checksum?: string;
}

/** Classifies a key relative to the mirror root. */
export function classify(key: string): Classified {
  if (key === LEGACY_INDEX || key === LEGACY_INDEX_HASH) return { kind: "index", layout: "legacy" };
  if (key.startsWith(`${LEGACY_DIR}/_pgp/`)) return { kind: "keys", layout: "legacy" };
  if (key.startsWith(`${LEGACY_DIR}/`)) {
    const match = LEGACY_OBJECT.exec(key);
    if (!match) return { kind: "other", layout: "legacy" };
    const kind =
      match[2] === "spack" ? "tarball" : match[2]!.endsWith(".sig") ? "signature" : "spec";
    return { kind, layout: "legacy", hash: match[1]! };
  }
  if (key.startsWith("v3/")) {
    if (key === V3_INDEX_MANIFEST) return { kind: "index", layout: "v3" };
    if (key === "v3/layout.json") return { kind: "layout", layout: "v3" };
    if (key.startsWith("v3/manifests/key")) return { kind: "keys", layout: "v3" };
    const match = V3_MANIFEST.exec(key);
    return match
      ? { kind: "manifest", layout: "v3", hash: match[1]! }
      : { kind: "other", layout: "v3" };
  }
  const blob = BLOB.exec(key);
  if (blob) return { kind: "blob", layout: "v3", checksum: blob[1]! };
  return { kind: "other" };
}
