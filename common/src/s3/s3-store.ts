import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UserError } from "../errors.js";
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from "../http.js";
import { redactUrl } from "../redact.js";
import { headRefusal, sdkFailure, type Refused } from "./refusals.js";
import { sdkClient, type Sdk } from "./sdk-client.js";
import { BudgetedRetries } from "./sdk-retries.js";
import { SignedHead } from "./signed-head.js";
import type {
  BucketStore,
  DeleteResult,
  MetadataSource,
  ObjectCopier,
  ObjectDownloader,
  ObjectInfo,
  StoredObject,
  WriteCondition,
} from "./types.js";

export interface S3StoreOptions {
  readonly bucket: string;
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Each request's timeout and retry budget, SDK requests and signed HEADs alike (one retry
   * layer per request: the SDK's, run by `BudgetedRetries`, or the HTTP policy's).
   */
  readonly policy?: HttpPolicy;
  /** S3-compatible stores often need path-style addressing and no default checksums. */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials (tests); otherwise the SDK's chain: environment, profile, role. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The variables that hold this bucket's keys, named in errors about credentials. */
  readonly credentialVariables?: readonly [accessKeyId: string, secretAccessKey: string];
}

/**
 * The bucket through `@aws-sdk/client-s3`; credentials come from the SDK's normal chain. With
 * a key pair given, `metadata` sends its HEAD without the SDK (see signed-head.ts).
 */
export class S3Store implements BucketStore, MetadataSource, ObjectCopier, ObjectDownloader {
  /** The SDK's client, made at the first request through it. */
  private client?: Promise<Sdk>;
  /** HEADs without the SDK, where a key pair is given (see signed-head.ts). */
  private readonly heads?: SignedHead;
  private readonly region: string;
  private readonly policy: HttpPolicy;
  /** The SDK's retries, asked afterwards why a request failed. */
  private readonly retries: BudgetedRetries;
  readonly description: string;

  constructor(private readonly options: S3StoreOptions) {
    const region = options.region ?? "us-east-1";
    this.region = region;
    this.policy = options.policy ?? DEFAULT_HTTP_POLICY;
    this.description = `s3://${options.bucket}${options.endpoint ? ` at ${redactUrl(options.endpoint)}` : ""}`;
    this.retries = new BudgetedRetries(this.policy, this.description);
    if (options.credentials)
      this.heads = new SignedHead(
        {
          bucket: options.bucket,
          region,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          forcePathStyle: options.endpoint !== undefined && (options.forcePathStyle ?? true),
          credentials: options.credentials,
        },
        this.policy,
      );
  }

  private sdk(): Promise<Sdk> {
    this.client ??= sdkClient(this.options, this.region, this.policy, this.retries);
    return this.client;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const { client, s3 } = await this.sdk();
    // Some S3-compatible servers list a key twice across pages; real S3 never does.
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix || "/"}`, () =>
        client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
        ),
      );
      // S3's answer always names the bucket; the SDK reads any XML or HTML page (a proxy's
      // login form, a web server) as an empty listing, which would pass for an empty mirror.
      if (page.Name === undefined)
        throw new UserError(
          `cannot list ${this.description}: the answer is not an S3 listing (it names no bucket): is the endpoint an S3 API, not a web page or a proxy's?`,
        );
      for (const object of page.Contents ?? []) {
        if (!object.Key || seen.has(object.Key)) continue;
        seen.add(object.Key);
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const { client, s3 } = await this.sdk();
    try {
      const answer = await client.send(
        new s3.GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      const body = Buffer.from(await answer.Body!.transformToByteArray());
      return { body, etag: answer.ETag ?? "" };
    } catch (error) {
      if (
        error instanceof s3.NoSuchKey ||
        (error instanceof s3.S3ServiceException && error.$metadata.httpStatusCode === 404)
      )
        return undefined;
      throw this.wrap(`read ${key}`, error);
    }
  }

  /**
   * Streams the object into `path` through a temporary file beside it, renamed at the end:
   * a SIF file of gigabytes never sits in memory, and a broken download leaves no partial
   * file. False when the object does not exist.
   */
  async download(key: string, path: string): Promise<boolean> {
    const temporary = `${path}.partial-${process.pid}`;
    const { client, s3 } = await this.sdk();
    try {
      const answer = await client.send(
        new s3.GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      await pipeline(answer.Body as Readable, createWriteStream(temporary));
      await rename(temporary, path);
      return true;
    } catch (error) {
      await rm(temporary, { force: true });
      if (
        error instanceof s3.NoSuchKey ||
        (error instanceof s3.S3ServiceException && error.$metadata.httpStatusCode === 404)
      )
        return false;
      if (error instanceof s3.S3ServiceException) throw this.wrap(`download ${key}`, error);
      throw new UserError(
        `cannot download ${key} from ${this.description} to ${path}: ${(error as Error).message}`,
      );
    }
  }

  async metadata(key: string): Promise<Readonly<Record<string, string>> | undefined> {
    const what = `read the metadata of ${key}`;
    if (this.heads) {
      const answer = await this.heads.head(key, `${what} in ${this.description}`);
      if (answer.status === 404) return undefined;
      if (answer.status === 200) return answer.metadata;
      throw headRefusal(this.about(what), answer);
    }
    const { client, s3 } = await this.sdk();
    try {
      const answer = await client.send(
        new s3.HeadObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return answer.Metadata ?? {};
    } catch (error) {
      if (error instanceof s3.S3ServiceException && error.$metadata.httpStatusCode === 404)
        return undefined;
      throw this.wrap(what, error);
    }
  }

  async put(
    key: string,
    body: Buffer | string,
    contentType: string,
    condition?: WriteCondition,
  ): Promise<boolean> {
    const { client, s3 } = await this.sdk();
    try {
      await client.send(
        new s3.PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(condition && "ifMatch" in condition ? { IfMatch: condition.ifMatch } : {}),
          ...(condition && "ifNoneMatch" in condition ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return true;
    } catch (error) {
      const status = error instanceof s3.S3ServiceException ? error.$metadata.httpStatusCode : 0;
      if (condition && (status === 412 || status === 409)) return false;
      throw this.wrap(`write ${key}`, error);
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    const { client, s3 } = await this.sdk();
    try {
      await client.send(
        new s3.CopyObjectCommand({
          Bucket: this.options.bucket,
          Key: to,
          // The source as `bucket/key`, each part URL-encoded (keys may hold `+` or spaces).
          CopySource: `${this.options.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
          MetadataDirective: "COPY",
        }),
      );
      return true;
    } catch (error) {
      const status = error instanceof s3.S3ServiceException ? error.$metadata.httpStatusCode : 0;
      if (status === 404 || error instanceof s3.NoSuchKey) return false;
      throw this.wrap(`copy ${from} to ${to}`, error);
    }
  }

  async deleteBatch(keys: readonly string[]): Promise<DeleteResult> {
    const unique = [...new Set(keys)];
    const { client, s3 } = await this.sdk();
    const answer = await this.call(`delete ${unique.length} objects`, () =>
      client.send(
        new s3.DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: unique.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const failed = (answer.Errors ?? []).map((e) => ({
      key: e.Key ?? "?",
      message: `${e.Code ?? "error"}: ${e.Message ?? ""}`,
    }));
    const failedKeys = new Set(failed.map((f) => f.key));
    return { deleted: unique.filter((k) => !failedKeys.has(k)), failed };
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.wrap(what, error);
    }
  }

  private wrap(what: string, error: unknown): UserError {
    return sdkFailure(this.about(what), error, this.retries.gaveUpOn(error));
  }

  private about(what: string): Refused {
    return {
      what,
      bucket: this.description,
      region: this.region,
      ...(this.options.credentialVariables
        ? { credentialVariables: this.options.credentialVariables }
        : {}),
    };
  }
}
