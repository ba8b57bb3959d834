import { createHash } from "node:crypto";
import { UserError } from "../../common/src/errors.js";
import {
  LEGACY_INDEX,
  LEGACY_INDEX_HASH,
  V3_INDEX_MANIFEST,
  blobKey,
  indexBlobOf,
  maybeGunzip,
  unwrapClearsigned,
} from "../../common/src/spack-cache/index.js";
import type { BucketStore } from "../../common/src/s3/types.js";

/** How often a conditional write is tried again after another writer changed the index. */
const ATTEMPTS = 5;

/**
 * Removes specs from every index of the mirror. Each index is read again right before it is
 * written and only these removals are applied to what was read, so a spec another pipeline
 * indexed meanwhile stays. The write is conditional on the ETag read; on a store that ignores
 * conditions, a write landing between our read and our write (milliseconds) would be lost
 * until the next `spack buildcache update-index`. Returns a note per index.
 */
export async function removeFromIndexes(
  store: BucketStore,
  root: string,
  hashes: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<string[]> {
  const notes: string[] = [];
  for (const rewrite of [rewriteLegacy, rewriteV3]) {
    for (let attempt = 1; ; attempt++) {
      const note = await rewrite(store, root, hashes);
      if (note !== CONFLICT) {
        if (note) notes.push(note);
        break;
      }
      if (attempt === ATTEMPTS)
        throw new UserError(
          `${store.description}/${root}: the index kept changing under us (${ATTEMPTS} conditional writes refused); nothing was deleted: run spackitor again`,
        );
      log(`the index changed while it was rewritten; reading it again (attempt ${attempt + 1})`);
    }
  }
  return notes;
}

/** Another writer changed the index between our read and our conditional write. */
const CONFLICT = Symbol("conflict");

/** A note on what was written, nothing to say, or CONFLICT (read and try again). */
type Rewrite = (
  store: BucketStore,
  root: string,
  hashes: ReadonlySet<string>,
) => Promise<string | undefined | typeof CONFLICT>;

const rewriteLegacy: Rewrite = async (store, root, hashes) => {
  const current = await store.get(root + LEGACY_INDEX);
  if (!current) return undefined;
  const where = `${store.description}/${root}${LEGACY_INDEX}`;
  const json = parseOrFail(current.body.toString("utf8"), where, hashes);
  if (!json) return undefined;
  const { index, removed } = withoutSpecs(json, hashes);
  if (removed === 0) return repairLegacyHash(store, root, current.body);
  const text = JSON.stringify(index);
  if (!(await store.put(root + LEGACY_INDEX, text, "application/json", { ifMatch: current.etag })))
    return CONFLICT;
  // Spack compares this hash to decide whether its cached copy of the index is stale.
  await store.put(root + LEGACY_INDEX_HASH, sha256(text), "text/plain");
  return `removed ${removed} specs from ${LEGACY_INDEX}`;
};

/**
 * A run killed between writing index.json and its hash leaves a stale hash, and Spack keeps
 * using its cached copy of the index while the hash it has matches: rewrite a stale one.
 */
async function repairLegacyHash(
  store: BucketStore,
  root: string,
  index: Buffer,
): Promise<string | undefined> {
  const expected = sha256(index);
  const stored = await store.get(root + LEGACY_INDEX_HASH);
  if (stored?.body.toString("utf8").trim() === expected) return undefined;
  await store.put(root + LEGACY_INDEX_HASH, expected, "text/plain");
  return `repaired ${LEGACY_INDEX_HASH}`;
}

const rewriteV3: Rewrite = async (store, root, hashes) => {
  const current = await store.get(root + V3_INDEX_MANIFEST);
  if (!current) return undefined;
  const where = `${store.description}/${root}${V3_INDEX_MANIFEST}`;
  const manifestText = current.body.toString("utf8");
  const indexBlob = indexBlobOf(manifestText);
  if (!indexBlob) {
    if (hashes.size === 0) return undefined; // the run has warned already
    throw new UserError(`${where} became unreadable during the run: nothing was deleted`);
  }
  const blob = await store.get(root + blobKey(indexBlob.checksum));
  if (!blob) return CONFLICT; // replaced meanwhile: read the manifest again
  const json = parseOrFail(maybeGunzip(blob.body).toString("utf8"), where, hashes);
  if (!json) return undefined;
  const { index, removed } = withoutSpecs(json, hashes);
  if (removed === 0) return undefined;
  if (unwrapClearsigned(manifestText).signed) {
    // The plan keeps every spec a signed index lists, so only entries without binaries are left.
    return `left the signed v3 index as it is (spackitor cannot sign): ${removed} entries without binaries stay listed until \`spack buildcache update-index\``;
  }
  const text = JSON.stringify(index);
  const checksum = sha256(text);
  await store.put(root + blobKey(checksum), text, "application/json");
  const manifest = {
    version: 3,
    data: [
      {
        contentLength: Buffer.byteLength(text),
        mediaType: indexBlob.mediaType,
        compression: "none",
        checksumAlgorithm: "sha256",
        checksum,
      },
    ],
  };
  const written = await store.put(
    root + V3_INDEX_MANIFEST,
    JSON.stringify(manifest),
    "application/json",
    {
      ifMatch: current.etag,
    },
  );
  return written
    ? `removed ${removed} specs from the v3 index (blob ${checksum.slice(0, 12)})`
    : CONFLICT;
};

/** The index's JSON; undefined for an unreadable one that nothing needs removed from (the run has warned). */
function parseOrFail(
  text: string,
  where: string,
  hashes: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    if (hashes.size === 0) return undefined;
    throw new UserError(`${where} became unreadable during the run: nothing was deleted`);
  }
}

/** The index without the given specs, and how many it listed. Pure. */
export function withoutSpecs(
  index: Record<string, unknown>,
  hashes: ReadonlySet<string>,
): { index: Record<string, unknown>; removed: number } {
  const database = (index["database"] ?? {}) as Record<string, unknown>;
  const installs = Object.entries((database["installs"] ?? {}) as Record<string, unknown>);
  const kept = installs.filter(([hash]) => !hashes.has(hash));
  return {
    index: { ...index, database: { ...database, installs: Object.fromEntries(kept) } },
    removed: installs.length - kept.length,
  };
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
