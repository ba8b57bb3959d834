/** One object of a listing: what spackitor needs to decide, from one ListObjectsV2 pass. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** The outcome of deleting one batch: what went, and what did not with why. */
export interface DeleteResult {
  readonly deleted: readonly string[];
  readonly failed: readonly { readonly key: string; readonly message: string }[];
}

/** An object's bytes with the ETag they were read at, for a conditional rewrite. */
export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * Write only if the object still has this ETag (`ifMatch`) or does not exist yet (`ifNoneMatch`).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export type WriteCondition = { readonly ifMatch: string } | { readonly ifNoneMatch: "*" };

/** What spackitor asks of a bucket; tests and other stores implement the same. */
export interface BucketStore {
  readonly description: string;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The object's bytes and ETag, or undefined when it does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Writes the object; with a condition, false when the store refused it because the
   * condition no longer holds (HTTP 412, or 409 for a concurrent conditional write).
   * Stores that ignore conditions write unconditionally and return true.
   */
  put(
    key: string,
    body: Buffer | string,
    contentType: string,
    condition?: WriteCondition,
  ): Promise<boolean>;
  /** Deletes up to 1000 keys in one request. */
  deleteBatch(keys: readonly string[]): Promise<DeleteResult>;
}

/** The user metadata of objects (HEAD), e.g. the checksums a SIF file was uploaded with. */
export interface MetadataSource {
  readonly description: string;
  /** The object's metadata (lower-case keys), or undefined when it does not exist. */
  metadata(key: string): Promise<Readonly<Record<string, string>> | undefined>;
}

/** Server-side copies inside a bucket (metadata included): a SIF file moved back from its archive. */
export interface ObjectCopier {
  readonly description: string;
  /** Copies `from` to `to`, replacing `to`; false when `from` does not exist. */
  copy(from: string, to: string): Promise<boolean>;
}

/** Objects streamed to a local file (a SIF file fetched after a build). */
export interface ObjectDownloader {
  readonly description: string;
  /** Writes the object to `path` whole or not at all; false when it does not exist. */
  download(key: string, path: string): Promise<boolean>;
}
