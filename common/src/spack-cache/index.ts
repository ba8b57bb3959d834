import { gunzipSync } from "node:zlib";
import { isMapping, text } from "../mapping.js";
import { readSpecNode, type SpecNode } from "../spack-specs.js";

/*
 * A Spack binary cache's index, in either layout: what specs it holds. spackitor reads it
 * before pruning; jc reads it to say which packages a container's build would find there.
 * @see https://spack.readthedocs.io/en/latest/binary_caches.html
 */

export const LEGACY_DIR = "build_cache";
export const LEGACY_INDEX = `${LEGACY_DIR}/index.json`;
export const LEGACY_INDEX_HASH = `${LEGACY_DIR}/index.json.hash`;
export const V3_INDEX_MANIFEST = "v3/manifests/index/index.manifest.json";

export const blobKey = (checksum: string) => `blobs/sha256/${checksum.slice(0, 2)}/${checksum}`;

/** The key prefix of the mirror root inside the bucket: "" or "path/". */
export const mirrorRoot = (prefix: string) => (prefix ? `${prefix.replace(/\/+$/, "")}/` : "");

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

/** Strips an OpenPGP clear signature, returning the signed text. */
export function unwrapClearsigned(text: string): { text: string; signed: boolean } {
  if (!text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")) return { text, signed: false };
  const body = text.slice(
    text.indexOf("\n\n") + 2,
    text.indexOf("\n-----BEGIN PGP SIGNATURE-----"),
  );
  return { text: body.replace(/^- /gm, ""), signed: true };
}

/** An index as read: its entries, or why it cannot be used. */
export type IndexRead =
  | { readonly entries: Map<string, IndexEntry>; readonly signed: boolean; readonly blob?: string }
  | { readonly problem: string }
  | undefined;

/** Reads an object of the mirror root; undefined when there is none. */
export type Getter = (key: string) => Promise<Buffer | undefined>;

export async function readLegacyIndex(get: Getter, where: string): Promise<IndexRead> {
  const text = (await get(LEGACY_INDEX))?.toString("utf8");
  return text === undefined ? undefined : parseIndexText(text, `${where}${LEGACY_INDEX}`);
}

/** Parses an index's JSON text; a problem (not an exception) when it is corrupt. */
export function parseIndexText(
  text: string,
  where: string,
): { entries: Map<string, IndexEntry>; signed: false } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${where} is not valid JSON (corrupt or truncated)` };
  }
  const entries = parseIndex(json);
  if ("error" in entries) return { problem: `${where}: ${entries.error}` };
  return { entries, signed: false };
}

/** Reads a v3 manifest: the blobs it lists, by media type. */
export function parseManifest(
  source: string,
): { mediaType: string; checksum: string; contentLength: number }[] {
  const json = JSON.parse(unwrapClearsigned(source).text) as unknown;
  const data =
    isMapping(json) && Array.isArray(json["data"]) ? (json["data"] as unknown[]) : undefined;
  if (!data?.every(isMapping)) throw new Error("no data");
  return data.map((d) => ({
    mediaType: text(d["mediaType"]),
    checksum: text(d["checksum"]),
    contentLength: Number(d["contentLength"]),
  }));
}

/** The index blob a v3 index manifest points at, or undefined when it names none. */
export function indexBlobOf(
  manifestText: string,
): { checksum: string; mediaType: string } | undefined {
  try {
    return parseManifest(manifestText).find((d) =>
      d.mediaType.startsWith("application/vnd.spack.db"),
    );
  } catch {
    return undefined;
  }
}

export async function readV3Index(get: Getter, where: string): Promise<IndexRead> {
  const manifestText = (await get(V3_INDEX_MANIFEST))?.toString("utf8");
  if (manifestText === undefined) return undefined;
  const indexBlob = indexBlobOf(manifestText);
  if (!indexBlob) return { problem: `${where}${V3_INDEX_MANIFEST} is corrupt` };
  const blob = await get(blobKey(indexBlob.checksum));
  if (!blob) return { problem: `${where}: the index blob ${indexBlob.checksum} is missing` };
  const parsed = parseIndexText(
    maybeGunzip(blob).toString("utf8"),
    `${where}${blobKey(indexBlob.checksum)}`,
  );
  if ("problem" in parsed) return parsed;
  return {
    entries: parsed.entries,
    signed: unwrapClearsigned(manifestText).signed,
    blob: indexBlob.checksum,
  };
}

export function maybeGunzip(data: Buffer): Buffer {
  // Bounded: a gzip bomb stops here instead of taking the memory.
  return data[0] === 0x1f && data[1] === 0x8b
    ? gunzipSync(data, { maxOutputLength: 1 << 30 })
    : data;
}

/**
 * The hashes of the specs the cache's indexes (either layout) list, and why an index could
 * not be used. No index (or no bucket) lists nothing. An index lists what was pushed before
 * it was last updated.
 */
export async function cachedSpecs(
  get: Getter,
  where: string,
): Promise<{ readonly hashes: ReadonlySet<string>; readonly problems: readonly string[] }> {
  const reads = await Promise.all([readLegacyIndex(get, where), readV3Index(get, where)]);
  const hashes = new Set<string>();
  const problems: string[] = [];
  for (const read of reads) {
    if (read && "problem" in read) problems.push(read.problem);
    else if (read)
      for (const [hash, entry] of read.entries) if (entry.inBuildcache) hashes.add(hash);
  }
  return { hashes, problems };
}
