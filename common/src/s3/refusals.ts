import { UserError } from "../errors.js";
import { redactText } from "../redact.js";
import type { HeadAnswer } from "./signed-head.js";
import type { GaveUp } from "./sdk-retries.js";

/** A request a bucket refused or that failed: what it was for, and where. */
export interface Refused {
  /** What the request was to do ("read the metadata of x.sif"). */
  readonly what: string;
  /** The bucket as errors name it (`s3://name at endpoint`, redacted). */
  readonly bucket: string;
  readonly region: string;
  /** The variables that hold the bucket's keys, named in the hint. */
  readonly credentialVariables?: readonly [accessKeyId: string, secretAccessKey: string];
}

/** A failed SDK request, with its status and what to check; the message redacted. */
export function sdkFailure(refused: Refused, error: unknown, gaveUp?: GaveUp): UserError {
  // An S3 service exception, known by its shape as the SDK's own `isInstance` knows it (the
  // SDK's classes load only when it is used).
  const service = error as { $fault?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const sdk = (service?.$fault === "client" || service?.$fault === "server") && !!service.$metadata;
  const status = sdk ? service.$metadata?.httpStatusCode : undefined;
  const shown = sdk ? ` (HTTP ${status ?? "?"} ${(error as Error).name})` : "";
  const hint = hintFor(refused, status, (error as Error).name === "CredentialsProviderError");
  const retried = gaveUp
    ? ` (failed ${gaveUp.attempts} times in ${Math.round(gaveUp.spentMs / 1000)} s; gave up within the retry budget of ${Math.round(gaveUp.budgetMs / 1000)} s)`
    : "";
  return new UserError(
    `cannot ${refused.what} in ${refused.bucket}${shown}${hint}: ${redactText((error as Error).message)}${retried}`,
    { cause: error },
  );
}

/** A signed HEAD's answer that is neither the object nor its absence. */
export function headRefusal(refused: Refused, answer: HeadAnswer): UserError {
  const { bucketRegion } = answer;
  const elsewhere =
    bucketRegion && bucketRegion !== refused.region
      ? `: the bucket is in region ${bucketRegion}, not ${refused.region}: set the region in the configuration`
      : "";
  return new UserError(
    `cannot ${refused.what} in ${refused.bucket} (HTTP ${answer.status})${elsewhere || hintFor(refused, answer.status)}`,
  );
}

/** What to check, after the status of a refusal. */
function hintFor(refused: Refused, status: number | undefined, noCredentials = false): string {
  const [id, secret] = refused.credentialVariables ?? [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
  ];
  if (noCredentials || status === 401 || status === 403)
    return `: check ${id} / ${secret} (or the SDK's other credential sources)`;
  if (status === 407)
    return `: the proxy refused the login: check the user and password in HTTPS_PROXY / HTTP_PROXY`;
  return "";
}
