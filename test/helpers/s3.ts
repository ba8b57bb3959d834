import crypto from "node:crypto";
import type { ServerResponse } from "node:http";
import { readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll } from "vitest";
import { createRequire } from "node:module";
import { join, posix } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { HttpPolicy } from "../../common/src/http.js";
import { S3Store } from "../../common/src/s3/s3-store.js";

// s3rver walks its folders in name order, so `a/x` is listed before `a-b` although S3 orders
// `a-b` first; paging past such siblings skips keys (Spack's legacy layout has them:
// `build_cache/<arch>/…` beside `build_cache/<arch>-….spec.json`). Walking a folder as if
// its name ended in "/" gives S3's key order. This fixes the test server, not the product.
const s3rverUtils = createRequire(import.meta.url)("s3rver/lib/utils.js") as { walk: unknown };
s3rverUtils.walk = function* walk(
  dir: string,
  recurseFilter?: (path: string) => boolean,
): Generator<string> {
  const entries = readdirSync(dir).map((name) => ({
    name,
    isDir: statSync(posix.join(dir, name)).isDirectory(),
  }));
  entries.sort((a, b) => {
    const ka = a.isDir ? `${a.name}/` : a.name;
    const kb = b.isDir ? `${b.name}/` : b.name;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const { name, isDir } of entries) {
    const path = posix.join(dir, name);
    if (!isDir) yield path;
    else if (!recurseFilter || recurseFilter(path)) yield* walk(path, recurseFilter);
  }
};
const { default: S3rver } = await import("s3rver");

// s3rver encrypts continuation tokens with single DES, which OpenSSL 3 refuses. Three-key
// DES with three equal keys is single DES, so paged listings work without legacy flags.
const original = { cipher: crypto.createCipheriv, decipher: crypto.createDecipheriv };
const tripled = (key: crypto.CipherKey) =>
  Buffer.concat([key as Buffer, key as Buffer, key as Buffer]);
Object.assign(crypto, {
  createCipheriv: (alg: string, key: crypto.CipherKey, iv: Buffer, opts?: never) =>
    alg === "des"
      ? original.cipher("des-ede3-cbc", tripled(key), iv, opts)
      : original.cipher(alg, key, iv, opts),
  createDecipheriv: (alg: string, key: crypto.CipherKey, iv: Buffer, opts?: never) =>
    alg === "des"
      ? original.decipher("des-ede3-cbc", tripled(key), iv, opts)
      : original.decipher(alg, key, iv, opts),
});

/** Answers the way S3 refuses a request: the status, and an XML error body with its code. */
export function s3Error(res: ServerResponse, status: number, code: string, message = code): true {
  res
    .writeHead(status, { "content-type": "application/xml" })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
  return true;
}

/** Patience for the local server: a fault shows within seconds, not after the product's 3 minutes. */
export const TEST_S3_POLICY: HttpPolicy = {
  timeoutMs: 10_000,
  budgetMs: 20_000,
  initialDelayMs: 50,
  maxDelayMs: 1_000,
};

export const TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A real s3rver on 127.0.0.1 storing in `dir`. */
export interface TestS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  /** `metadata`: user metadata, as sif-store.sh's `x-amz-meta-*` headers give it. */
  put(
    bucket: string,
    key: string,
    body: Buffer | string,
    metadata?: Record<string, string>,
  ): Promise<void>;
  /** Makes an object look `days` old (negative: in the future): s3rver reports its file's mtime. */
  age(bucket: string, key: string, days: number): Promise<void>;
  store(bucket: string, endpoint?: string): S3Store;
  stop(): Promise<void>;
}

export async function startS3(dir: string): Promise<TestS3> {
  await mkdir(dir, { recursive: true });
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    put: async (bucket, key, body, metadata) => {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      );
    },
    age: async (bucket, key, days) => {
      const when = new Date(Date.now() - days * 86_400_000);
      await utimes(join(dir, bucket, `${key}._S3rver_object`), when, when);
    },
    store: (bucket, at = endpoint) =>
      new S3Store({ bucket, endpoint: at, credentials: TEST_CREDENTIALS, policy: TEST_S3_POLICY }),
    stop: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/**
 * One s3rver for the tests of a file, started before them and stopped after; `bucket()`
 * gives each test a bucket of its own, `keysOf` lists one.
 */
export function useTestS3(name: string): {
  readonly s3: TestS3;
  readonly dir: string;
  bucket(): Promise<string>;
  keysOf(bucket: string): Promise<string[]>;
} {
  let dir = "";
  let s3: TestS3 | undefined;
  let buckets = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${name}-`));
    s3 = await startS3(join(dir, "s3"));
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get s3() {
      return s3!;
    },
    get dir() {
      return dir;
    },
    async bucket() {
      const bucket = `${name}-${++buckets}`;
      await s3!.createBucket(bucket);
      return bucket;
    },
    async keysOf(bucket) {
      const keys: string[] = [];
      for await (const o of s3!.store(bucket).list("")) keys.push(o.key);
      return keys.sort();
    },
  };
}
