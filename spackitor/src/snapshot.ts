import { gunzipSync } from "node:zlib";
import pLimit from "p-limit";
import { InputError, UserError } from "../../common/src/errors.js";
import { isMapping } from "../../common/src/mapping.js";
import { LEGACY_INDEX, V3_INDEX_MANIFEST, blobKey, classify, type Layout } from "./layout.js";
import type { CacheSnapshot } from "./plan.js";
import { parseIndex, type IndexEntry } from "./specs.js";
import type { BucketStore, ObjectInfo } from "../../common/src/s3/types.js";

export interface ReadSnapshot extends CacheSnapshot {
  readonly layouts: readonly Layout[];
  /** The indexes as read, kept to rewrite them without the deleted specs. */
  readonly rawIndexes: {
    legacy?: Record<string, unknown>;
    v3?: { json: Record<string, unknown>; mediaType: string; signed: boolean };
  };
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

/**
 * Reads what the plan needs: one listing of the mirror (ages from LastModified, no HEAD per
 * object), the index of each layout found, and for v3 the spec manifests (which blobs each
 * spec uses). A missing or corrupt index stops the run before anything is decided.
 */
export async function readSnapshot(store: BucketStore, prefix: string): Promise<ReadSnapshot> {
  const root = prefix ? `${prefix.replace(/\/+$/, "")}/` : "";
  const objects: ObjectInfo[] = [];
  for await (const object of store.list(root))
    objects.push({ ...object, key: object.key.slice(root.length) });
  const keys = new Set(objects.map((o) => o.key));
  const classified = objects.map((o) => classify(o.key));
  const layouts = (["legacy", "v3"] as const).filter((l) =>
    classified.some((c) => c.layout === l && c.kind !== "blob"),
  );
  if (layouts.length === 0 && objects.length > 0 && !classified.some((c) => c.kind === "blob")) {
    throw new InputError(
      `${store.description}/${root}: no Spack binary cache here (no build_cache/ or v3/): check --bucket and --prefix`,
    );
  }
  const get = (key: string) => store.get(root + key);
  const where = `${store.description}/${root}`;
  const index = new Map<string, IndexEntry>();
  const rawIndexes: ReadSnapshot["rawIndexes"] = {};
  if (layouts.includes("legacy")) {
    const legacy = await readLegacyIndex(get, keys, where);
    mergeInto(index, legacy.index);
    rawIndexes.legacy = legacy.json;
  }
  let indexBlobs = new Set<string>();
  let manifestBlobs = new Map<string, string[]>();
  if (layouts.includes("v3")) {
    const manifests = objects.flatMap((o, i) =>
      classified[i]!.kind === "manifest" ? [{ key: o.key, hash: classified[i]!.hash! }] : [],
    );
    const v3 = await readV3(get, manifests, where);
    mergeInto(index, v3.index.index);
    rawIndexes.v3 = { json: v3.index.json, mediaType: v3.mediaType, signed: v3.signed };
    indexBlobs = v3.indexBlobs;
    manifestBlobs = v3.manifestBlobs;
  }
  return { objects, index, manifestBlobs, indexBlobs, layouts, rawIndexes };
}

function mergeInto(target: Map<string, IndexEntry>, source: ReadonlyMap<string, IndexEntry>): void {
  for (const [hash, entry] of source) {
    const existing = target.get(hash);
    if (!existing || (!existing.inBuildcache && entry.inBuildcache)) target.set(hash, entry);
  }
}

type Getter = (key: string) => Promise<Buffer | undefined>;

async function readLegacyIndex(get: Getter, keys: ReadonlySet<string>, where: string) {
  if (!keys.has(LEGACY_INDEX)) {
    throw new InputError(
      `${where}${LEGACY_INDEX} is missing: nothing was deleted. Rebuild it with \`spack buildcache update-index\` first`,
    );
  }
  return parseIndexText((await get(LEGACY_INDEX))?.toString("utf8"), `${where}${LEGACY_INDEX}`);
}

function parseIndexText(
  text: string | undefined,
  where: string,
): { index: Map<string, IndexEntry>; json: Record<string, unknown> } {
  let json: unknown;
  try {
    json = JSON.parse(text ?? "");
  } catch {
    throw new InputError(
      `${where} is not valid JSON (corrupt or truncated): nothing was deleted. Rebuild it with \`spack buildcache update-index\``,
    );
  }
  const index = parseIndex(json);
  if ("error" in index) throw new InputError(`${where}: ${index.error}: nothing was deleted`);
  return { index, json: json as Record<string, unknown> };
}

/** Reads a v3 manifest: the blobs it lists, by media type. */
export function parseManifest(
  text: string,
): { mediaType: string; checksum: string; contentLength: number }[] {
  const json = JSON.parse(unwrapClearsigned(text).text) as unknown;
  const data = isMapping(json) && Array.isArray(json["data"]) ? json["data"] : undefined;
  if (!data) throw new Error("no data");
  return data.map((d) => ({
    mediaType: String(d["mediaType"]),
    checksum: String(d["checksum"]),
    contentLength: Number(d["contentLength"]),
  }));
}

async function readV3(
  get: Getter,
  manifests: readonly { key: string; hash: string }[],
  where: string,
) {
  const manifestText = (await get(V3_INDEX_MANIFEST))?.toString("utf8");
  if (manifestText === undefined) {
    throw new InputError(
      `${where}${V3_INDEX_MANIFEST} is missing: nothing was deleted. Rebuild it with \`spack buildcache update-index\` first`,
    );
  }
  let indexBlob: { checksum: string; mediaType: string };
  try {
    indexBlob = parseManifest(manifestText).find((d) =>
      d.mediaType.startsWith("application/vnd.spack.db"),
    )!;
    if (!indexBlob) throw new Error("no index blob");
  } catch {
    throw new InputError(`${where}${V3_INDEX_MANIFEST} is corrupt: nothing was deleted`);
  }
  const blob = await get(blobKey(indexBlob.checksum));
  if (!blob)
    throw new InputError(
      `${where}: the index blob ${indexBlob.checksum} is missing: nothing was deleted`,
    );
  const index = parseIndexText(
    maybeGunzip(blob).toString("utf8"),
    `${where}${blobKey(indexBlob.checksum)}`,
  );
  const manifestBlobs = new Map<string, string[]>();
  const limit = pLimit(16);
  await Promise.all(
    manifests.map(({ key, hash }) =>
      limit(async () => {
        const text = (await get(key))?.toString("utf8");
        if (text === undefined) return; // deleted meanwhile: its blobs are orphans now
        try {
          manifestBlobs.set(
            hash,
            parseManifest(text).map((d) => d.checksum),
          );
        } catch {
          throw new UserError(`${where}${key} is not a valid spec manifest: nothing was deleted`);
        }
      }),
    ),
  );
  const signed = unwrapClearsigned(manifestText).signed;
  return {
    index,
    indexBlobs: new Set([indexBlob.checksum]),
    manifestBlobs,
    mediaType: indexBlob.mediaType,
    signed,
  };
}

function maybeGunzip(data: Buffer): Buffer {
  return data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
}
