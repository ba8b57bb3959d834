import pLimit from "p-limit";
import { removeFromIndexes } from "./index-rewrite.js";
import { JOURNAL_KEY, renderJournal } from "./journal.js";
import { mirrorRoot } from "../../common/src/spack-cache/index.js";
import type { Plan } from "./plan.js";
import type { BucketStore } from "../../common/src/s3/types.js";

/** S3's limit of keys per DeleteObjects request. */
export const DELETE_BATCH = 1000;

export interface ApplyResult {
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly failed: readonly { readonly key: string; readonly message: string }[];
  readonly batches: number;
  readonly indexNotes: readonly string[];
}

export interface ApplyOptions {
  readonly concurrency: number;
  /** Keys per delete request (S3 allows 1000; some compatible stores fewer). */
  readonly batchSize?: number;
  /** When the run started: the journal says which objects were judged before it. */
  readonly now: Date;
  /** A journal of an interrupted run was found: this run's plan has taken it over. */
  readonly journalFound: boolean;
  readonly log: (line: string) => void;
  readonly progress?: (done: number, total: number) => void;
}

/**
 * Carries out a plan in the one order that is safe wherever the process dies:
 * 1. the journal records the keys about to go (a later run finishes them);
 * 2. the index drops the doomed and dangling specs (re-read, conditional write), so no
 *    index ever lists a spec whose objects were deleted;
 * 3. the objects go, in batches with bounded concurrency (the store retries 5xx and throttling);
 * 4. the index is checked again: a concurrent `update-index` that listed the mirror before our
 *    deletions may have put a deleted spec back;
 * 5. the journal goes, once every deletion went through.
 */
export async function applyPrune(
  store: BucketStore,
  prefix: string,
  plan: Plan,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const root = mirrorRoot(prefix);
  const doomed = plan.decisions.filter((d) => d.action === "delete");
  const sizes = new Map(doomed.map((d) => [root + d.key, d.size]));
  const unindex = new Set([...plan.deletedSpecs, ...plan.danglingSpecs]);
  if (doomed.length === 0) {
    const indexNotes = await removeFromIndexes(store, root, unindex, options.log);
    if (options.journalFound) await store.deleteBatch([root + JOURNAL_KEY]);
    return { deleted: 0, bytesFreed: 0, failed: [], batches: 0, indexNotes };
  }
  await store.put(
    root + JOURNAL_KEY,
    renderJournal(
      options.now,
      doomed.map((d) => d.key),
    ),
    "application/json",
  );
  const indexNotes = await removeFromIndexes(store, root, unindex, options.log);
  const { deleted, failed, batches } = await deleteInBatches(store, [...sizes.keys()], options);
  const restored = await removeFromIndexes(store, root, plan.deletedSpecs, options.log);
  if (restored.length > 0)
    options.log(`a concurrent index update had listed deleted specs again; ${restored.join("; ")}`);
  if (failed.length === 0) await store.deleteBatch([root + JOURNAL_KEY]);
  const bytesFreed = [...deleted].reduce((sum, key) => sum + (sizes.get(key) ?? 0), 0);
  return { deleted: deleted.size, bytesFreed, failed, batches, indexNotes };
}

async function deleteInBatches(
  store: BucketStore,
  keys: readonly string[],
  options: ApplyOptions,
): Promise<{ deleted: Set<string>; failed: { key: string; message: string }[]; batches: number }> {
  const size = options.batchSize ?? DELETE_BATCH;
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += size) batches.push(keys.slice(i, i + size));
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
  return { deleted, failed, batches: batches.length };
}
