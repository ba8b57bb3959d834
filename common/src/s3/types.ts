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

/** What spackitor asks of a bucket; tests and other stores implement the same. */
export interface BucketStore {
  readonly description: string;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** Deletes up to 1000 keys in one request. */
  deleteBatch(keys: readonly string[]): Promise<DeleteResult>;
}

/** The user metadata of objects (HEAD), e.g. the checksums a SIF file was uploaded with. */
export interface MetadataSource {
  readonly description: string;
  /** The object's metadata (lower-case keys), or undefined when it does not exist. */
  metadata(key: string): Promise<Readonly<Record<string, string>> | undefined>;
}
