import type { S3Client } from "@aws-sdk/client-s3";
import { proxyAgentsFor } from "../proxy.js";
import type { HttpPolicy } from "../http.js";
import type { S3StoreOptions } from "./s3-store.js";
import type { BudgetedRetries } from "./sdk-retries.js";

/** Where the SDK sends a bucket's requests: the endpoint, else AWS's virtual-hosted address. */
const endpointOf = (bucket: string, region: string, endpoint: string | undefined) =>
  endpoint ??
  (bucket.includes(".")
    ? `https://s3.${region}.amazonaws.com/${bucket}`
    : `https://${bucket}.s3.${region}.amazonaws.com`);

/** The SDK's modules, loaded on first use: some 300 ms that a run of signed HEADs never needs. */
let sdkModules:
  | Promise<[typeof import("@aws-sdk/client-s3"), typeof import("@smithy/node-http-handler")]>
  | undefined;
const loadSdk = () =>
  (sdkModules ??= Promise.all([import("@aws-sdk/client-s3"), import("@smithy/node-http-handler")]));

/** The SDK's client and its module (commands, error classes). */
export interface Sdk {
  readonly client: S3Client;
  readonly s3: typeof import("@aws-sdk/client-s3");
}

/** The SDK's client for a bucket, its modules loaded first if need be. */
export async function sdkClient(
  options: S3StoreOptions,
  region: string,
  policy: HttpPolicy,
  retries: BudgetedRetries,
): Promise<Sdk> {
  const [s3, { NodeHttpHandler }] = await loadSdk();
  const client = new s3.S3Client({
    region,
    retryStrategy: retries,
    ...(options.endpoint
      ? { endpoint: options.endpoint, forcePathStyle: options.forcePathStyle ?? true }
      : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // A server that accepts and never answers must not hold a run: a timeout is retried.
    // The SDK reads no proxy variables itself; the agents for one load on the first request.
    requestHandler: new NodeHttpHandler(async () => ({
      connectionTimeout: 10_000,
      requestTimeout: policy.timeoutMs,
      throwOnRequestTimeout: true,
      ...(await proxyAgentsFor(endpointOf(options.bucket, region, options.endpoint))),
    })),
    // With the SDK's default, S3-compatible stores get aws-chunked bodies they store as-is.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return { s3, client };
}
