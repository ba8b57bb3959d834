import { isMapping } from "../../common/src/mapping.js";
import type { Journal } from "./plan.js";
import type { BucketStore } from "../../common/src/s3/types.js";

/**
 * The write-ahead record of a run: the keys it is about to delete, written before the index
 * changes and removed once every deletion went through. A run killed in between leaves it,
 * and the next run finishes those deletions (see `orphanRule`). Outside build_cache/ and v3/,
 * so Spack never reads it.
 */
export const JOURNAL_KEY = "spackitor-journal.json";

/** Parses a journal; undefined (with the reason) when it is not one of ours. */
export function parseJournal(text: string): Journal | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: "not JSON" };
  }
  if (!isMapping(json) || json["version"] !== 1) return { error: "unknown version" };
  const written = new Date(String(json["written"]));
  const keys = json["keys"];
  if (Number.isNaN(written.getTime()) || !Array.isArray(keys) || !keys.every(isString))
    return { error: "no written time or keys" };
  return { written, keys: new Set(keys) };
}

const isString = (v: unknown): v is string => typeof v === "string";

export function renderJournal(written: Date, keys: readonly string[]): string {
  return JSON.stringify({ version: 1, written: written.toISOString(), keys }) + "\n";
}

export async function readJournal(
  store: BucketStore,
  root: string,
  warn: (line: string) => void,
): Promise<Journal | undefined> {
  const found = await store.get(root + JOURNAL_KEY);
  if (!found) return undefined;
  const journal = parseJournal(found.body.toString("utf8"));
  if ("error" in journal) {
    warn(`ignoring ${root}${JOURNAL_KEY}: ${journal.error}`);
    return undefined;
  }
  return journal;
}
