import { Type } from "@sinclair/typebox";

/** The natural forms of configured values, as JSON Schema patterns. */

export const VariableName = Type.String({
  pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
  description: "the NAME of a CI/CD variable (never its value), e.g. AWS_SECRET_ACCESS_KEY",
});

/** Registry values reach job scripts inside double quotes: `$VAR` may expand, nothing else. */
export const ShellSafe = {
  pattern: "^(?!-)[A-Za-z0-9_.:/${}-]+$",
  description: "host/path, may use CI variables such as $CI_REGISTRY_IMAGE",
};

/*
 * Values with one natural form are held to it, so no configured value can carry shell syntax
 * or pass for a command-line option (no leading "-"). Free text goes only into YAML data.
 */
/** An S3 bucket name, as S3 allows it. */
export const BucketName = {
  pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
  description: "S3 bucket name (without s3://)",
};
/** Key prefix inside a bucket: path segments, no leading slash. */
export const KeyPrefix = { pattern: "^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$" };
/** An S3 region name, e.g. eu-west-3: it signs every request to the bucket. */
export const Region = { pattern: "^[a-z0-9]+(-[a-z0-9]+)*$", maxLength: 64 };
export const HttpUrl = { pattern: "^https?://[A-Za-z0-9._~:/?#@!&+,;=%\\[\\]-]+$" };
/** A repository path as the OCI distribution spec allows it. */
export const RepositoryPath = {
  pattern: "^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$",
};
/** An image reference: [host[:port]/]path[:tag][@digest]. */
export const ImageReference = {
  pattern:
    "^[A-Za-z0-9][A-Za-z0-9._-]*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$",
};
/** A runner tag: GitLab allows most text; we refuse control characters and quotes. */
export const RunnerTag = { minLength: 1, pattern: "^[^\\x00-\\x1f'\"`$\\\\]+$" };
