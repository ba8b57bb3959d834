import { createHash } from "node:crypto";
import pLimit from "p-limit";
import { LEGACY_INDEX, LEGACY_INDEX_HASH, V3_INDEX_MANIFEST, blobKey } from "./layout.js";
import type { Plan } from "./plan.js";
import type { ReadSnapshot } from "./snapshot.js";
import type { BucketStore } from "../../common/src/s3/types.js";

export const DELETE_BATCH = 1000;

export interface ApplyResult {
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly failed: readonly { readonly key: string; readonly message: string }[];
  readonly batches: number;
  readonly indexNote: string;
}

/**
 * Carries out a plan: deletes exactly the objects it marks, in batches of 1000 with bounded
 * concurrency (the store retries 5xx and throttling), then rewrites each index without
 * the deleted specs as Spack does for that layout. Keys are always under the mirror root.
 */
export async function applyPrune(
  store: BucketStore,
  prefix: string,
  plan: Plan,
  snapshot: ReadSnapshot,
  options: {
    concurrency: number;
    rewriteIndex: boolean;
    log: (line: string) => void;
    progress?: (done: number, total: number) => void;
  },
): Promise<ApplyResult> {
  const root = prefix ? `${prefix.replace(/\/+$/, "")}/` : "";
  const sizes = new Map(
    plan.decisions.filter((d) => d.action === "delete").map((d) => [root + d.key, d.size]),
  );
  const keys = [...sizes.keys()];
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH));
  const limit = pLimit(options.concurrency);
  const deleted = new Set<string>();
  const failed: { key: string; message: string }[] = [];
  let done = 0;
  await Promise.all(
    batches.map((batch, n) =>
      limit(async () => {
        try {
          const result = await store.deleteBatch(batch);
          for (const key of result.deleted) deleted.add(key);
          failed.push(...result.failed);
          options.log(
            `batch ${n + 1}/${batches.length}: deleted ${result.deleted.length}${result.failed.length ? `, ${result.failed.length} failed` : ""}`,
          );
        } catch (error) {
          failed.push(...batch.map((key) => ({ key, message: (error as Error).message })));
          options.log(`batch ${n + 1}/${batches.length} failed: ${(error as Error).message}`);
        }
        options.progress?.(++done, batches.length);
      }),
    ),
  );
  const bytesFreed = [...deleted].reduce((sum, key) => sum + (sizes.get(key) ?? 0), 0);
  // A spec leaves the index as soon as any of its objects is gone: the index must never promise a broken binary.
  const gone = new Set(
    plan.decisions
      .filter((d) => d.hash && d.action === "delete" && deleted.has(root + d.key))
      .map((d) => d.hash!),
  );
  const indexNote = options.rewriteIndex
    ? await rewriteIndexes(store, root, snapshot, gone)
    : "index left as it is: run `spack buildcache update-index` on the mirror";
  return { deleted: deleted.size, bytesFreed, failed, batches: batches.length, indexNote };
}

async function rewriteIndexes(
  store: BucketStore,
  root: string,
  snapshot: ReadSnapshot,
  gone: ReadonlySet<string>,
): Promise<string> {
  if (gone.size === 0) return "index unchanged: no spec was deleted";
  const notes: string[] = [];
  const { legacy, v3 } = snapshot.rawIndexes;
  if (legacy) {
    const text = JSON.stringify(withoutSpecs(legacy, gone));
    await store.put(root + LEGACY_INDEX, text, "application/json");
    await store.put(root + LEGACY_INDEX_HASH, sha256(text), "text/plain");
    notes.push(`rewrote ${LEGACY_INDEX} and ${LEGACY_INDEX_HASH} without ${gone.size} specs`);
  }
  if (v3 && v3.signed) {
    notes.push(
      `left the signed v3 index as it is (spackitor cannot sign): run \`spack buildcache update-index\``,
    );
  } else if (v3) {
    const text = JSON.stringify(withoutSpecs(v3.json, gone));
    const checksum = sha256(text);
    await store.put(root + blobKey(checksum), text, "application/json");
    const manifest = {
      version: 3,
      data: [
        {
          contentLength: Buffer.byteLength(text),
          mediaType: v3.mediaType,
          compression: "none",
          checksumAlgorithm: "sha256",
          checksum,
        },
      ],
    };
    await store.put(
      root + V3_INDEX_MANIFEST,
      JSON.stringify(manifest, null, 0),
      "application/json",
    );
    notes.push(`wrote a new v3 index blob ${checksum.slice(0, 12)} and ${V3_INDEX_MANIFEST}`);
  }
  return notes.join("; ");
}

function withoutSpecs(
  index: Record<string, unknown>,
  gone: ReadonlySet<string>,
): Record<string, unknown> {
  const database = index["database"] as Record<string, unknown>;
  const installs = Object.fromEntries(
    Object.entries(database["installs"] as Record<string, unknown>).filter(
      ([hash]) => !gone.has(hash),
    ),
  );
  return { ...index, database: { ...database, installs } };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
