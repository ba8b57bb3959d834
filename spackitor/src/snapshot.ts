import pLimit from "p-limit";
import { InputError, UserError } from "../../common/src/errors.js";
import { readJournal } from "./journal.js";
import { classify, type Layout } from "./layout.js";
import type { CacheSnapshot } from "./plan.js";
import {
  LEGACY_INDEX,
  V3_INDEX_MANIFEST,
  mirrorRoot,
  parseManifest,
  readLegacyIndex,
  readV3Index,
  type Getter,
  type IndexEntry,
} from "../../common/src/spack-cache/index.js";
import type { BucketStore, ObjectInfo } from "../../common/src/s3/types.js";

export interface ReadSnapshot extends CacheSnapshot {
  readonly layouts: readonly Layout[];
}

const REBUILD =
  "rebuild it with `spack buildcache update-index <mirror>`, then run spackitor again";

/**
 * Reads what the plan needs. The indexes and the journal come first and the listing after:
 * every spec an index lists was pushed before the listing started, so an indexed spec the
 * listing lacks is really gone, never a push the listing missed. Ages come from the listing's
 * LastModified (no HEAD per object); for v3 the spec manifests say which blobs each spec uses.
 */
export async function readSnapshot(
  store: BucketStore,
  prefix: string,
  warn: (line: string) => void,
): Promise<ReadSnapshot> {
  const root = mirrorRoot(prefix);
  const where = `${store.description}/${root}`;
  const get = async (key: string) => (await store.get(root + key))?.body;
  const [journal, legacy, v3] = await Promise.all([
    readJournal(store, root, warn),
    readLegacyIndex(get, where),
    readV3Index(get, where),
  ]);
  const objects: ObjectInfo[] = [];
  for await (const object of store.list(root))
    objects.push({ ...object, key: object.key.slice(root.length) });
  const classified = objects.map((o) => classify(o.key));
  const layouts = (["legacy", "v3"] as const).filter((l) =>
    classified.some((c) => c.layout === l && c.kind !== "blob"),
  );
  if (layouts.length === 0 && objects.length > 0 && !classified.some((c) => c.kind === "blob")) {
    throw new InputError(
      `${where}: no Spack binary cache here (no build_cache/ or v3/): check --bucket and --prefix`,
    );
  }
  const index = new Map<string, IndexEntry>();
  const indexProblems: string[] = [];
  for (const [layout, read, name] of [
    ["legacy", legacy, LEGACY_INDEX],
    ["v3", v3, V3_INDEX_MANIFEST],
  ] as const) {
    if (!layouts.includes(layout)) continue;
    if (!read) indexProblems.push(`${where}${name} is missing`);
    else if ("problem" in read) indexProblems.push(read.problem);
    else mergeInto(index, read.entries);
  }
  const specObjects = classified.filter((c) => c.hash).length;
  if (
    indexProblems.length === 0 &&
    specObjects > 0 &&
    ![...index.values()].some((e) => e.inBuildcache)
  )
    indexProblems.push(`${where}: the index lists no spec, but ${specObjects} spec objects exist`);
  for (const problem of indexProblems)
    warn(`warning: ${problem}: no orphan is deleted; ${REBUILD}`);
  const manifests = objects.flatMap((o, i) =>
    classified[i]!.kind === "manifest" ? [{ key: o.key, hash: classified[i]!.hash! }] : [],
  );
  const manifestBlobs = await readManifestBlobs(get, manifests, where);
  const indexBlob = v3 && "entries" in v3 ? v3.blob : undefined;
  return {
    objects,
    index,
    manifestBlobs,
    indexBlobs: new Set(indexBlob ? [indexBlob] : []),
    indexProblems,
    indexSigned: Boolean(v3 && "entries" in v3 && v3.signed),
    layouts,
    ...(journal ? { journal } : {}),
  };
}

function mergeInto(target: Map<string, IndexEntry>, source: ReadonlyMap<string, IndexEntry>): void {
  for (const [hash, entry] of source) {
    const existing = target.get(hash);
    if (!existing || (!existing.inBuildcache && entry.inBuildcache)) target.set(hash, entry);
  }
}

async function readManifestBlobs(
  get: Getter,
  manifests: readonly { key: string; hash: string }[],
  where: string,
): Promise<Map<string, string[]>> {
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
  return manifestBlobs;
}
