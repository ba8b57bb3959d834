import crypto from "node:crypto";
import { mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { S3Store } from "../../spackitor/src/store/s3-store.js";

// s3rver encrypts continuation tokens with single DES, which OpenSSL 3 refuses. Three-key
// DES with three equal keys is single DES, so paged listings work without legacy flags.
const original = { cipher: crypto.createCipheriv, decipher: crypto.createDecipheriv };
const tripled = (key: crypto.CipherKey) => Buffer.concat([key as Buffer, key as Buffer, key as Buffer]);
Object.assign(crypto, {
  createCipheriv: (alg: string, key: crypto.CipherKey, iv: Buffer, opts?: never) =>
    alg === "des" ? original.cipher("des-ede3-cbc", tripled(key), iv, opts) : original.cipher(alg, key, iv, opts),
  createDecipheriv: (alg: string, key: crypto.CipherKey, iv: Buffer, opts?: never) =>
    alg === "des" ? original.decipher("des-ede3-cbc", tripled(key), iv, opts) : original.decipher(alg, key, iv, opts),
});

export const TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A real s3rver on 127.0.0.1 storing in `dir`. */
export interface TestS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
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
    createBucket: async (name) => void (await client.send(new CreateBucketCommand({ Bucket: name }))),
    put: async (bucket, key, body) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    age: async (bucket, key, days) => {
      const when = new Date(Date.now() - days * 86_400_000);
      await utimes(join(dir, bucket, `${key}._S3rver_object`), when, when);
    },
    store: (bucket, at = endpoint) => new S3Store({ bucket, endpoint: at, credentials: TEST_CREDENTIALS, maxAttempts: 6 }),
    stop: async () => {
      client.destroy();
      await server.close();
    },
  };
}
