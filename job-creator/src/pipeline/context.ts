import { ENTRY_PIPELINE_ID_VARIABLE } from "../../../common/src/job-names.js";
import { resolveArchitectures, type Architecture } from "../config/architecture.js";
import type { Config } from "../config/schema.js";

/** Everything the job builders need besides the definitions; no I/O, no clock. */
export interface GenerationContext {
  readonly config: Config;
  /** Every configured architecture, resolved once. */
  readonly architectures: ReadonlyMap<string, Architecture>;
  /** Folder of the generated files, relative to the repository root (artifacts of the entry job). */
  readonly outputDir: string;
  /** True on the default branch: the production cache bucket, `latest` tags, publishing. */
  readonly onDefaultBranch: boolean;
}

/** Without both names (a laptop run), the default branch is assumed. */
export function isDefaultBranch(branch?: string, defaultBranch?: string): boolean {
  return !branch || !defaultBranch || branch === defaultBranch;
}

/** Stages of the generated child pipeline, in order. */
export const STAGES = [
  "base images",
  "base manifests",
  "spack generate",
  "spack gather",
  "process",
  "cache cleanup",
] as const;

/** The jobs of our own tools run from the repository checkout, built once per job. */
export const TOOL_SETUP = ["npm ci --no-audit --no-fund", "npm run build"] as const;
export const JC = "node dist/job-creator/src/main.js";

/** What every job of our own tools has: the tools image and the build of the checkout. */
export const toolsJobBase = (config: Config) => ({
  image: config.images.tools,
  before_script: [...TOOL_SETUP],
});
export const SPACKITOR = "node dist/spackitor/src/main.js";

/** The context of one run: the configuration with its architectures resolved. */
export function generationContext(
  config: Config,
  outputDir: string,
  onDefaultBranch: boolean,
): GenerationContext {
  return { config, architectures: resolveArchitectures(config), outputDir, onDefaultBranch };
}

/** The resolved architecture of that name (the commands check names before planning). */
export function architectureOf(
  ctx: Pick<GenerationContext, "architectures">,
  name: string,
): Architecture {
  const found = ctx.architectures.get(name);
  if (!found) throw new Error(`architecture ${name} is not configured`);
  return found;
}

/** Runner tags and variables every job of an architecture gets, as a job's keys. */
export function archJobBase(arch: Architecture): {
  tags: string[];
  variables: Record<string, string>;
} {
  return { tags: [...arch.runnerTags], variables: { ...arch.jobVariables } };
}

/** The cache bucket of this branch: production on the default branch, development elsewhere. */
export function cacheBucket(
  ctx: GenerationContext,
  arch: Architecture,
): { bucket: string; maxAgeDays: number } {
  return ctx.onDefaultBranch ? arch.cache.defaultBranch : arch.cache.otherBranches;
}

/** `s3://bucket[/prefix]` of the arch's Spack binary cache on this branch. */
export function cacheMirrorUrl(ctx: GenerationContext, arch: Architecture): string {
  return mirrorUrl(arch, cacheBucket(ctx, arch).bucket);
}

/** Off the default branch, the default branch's cache, which branches read but never write. */
export function readOnlyMirrorUrl(ctx: GenerationContext, arch: Architecture): string | undefined {
  const production = arch.cache.defaultBranch.bucket;
  if (ctx.onDefaultBranch || production === cacheBucket(ctx, arch).bucket) return undefined;
  return mirrorUrl(arch, production);
}

function mirrorUrl(arch: Architecture, bucket: string): string {
  const prefix = arch.cache.prefix.replace(/^\/+|\/+$/g, "");
  return `s3://${bucket}${prefix ? `/${prefix}` : ""}`;
}

/** AWS variables that point at the CI variables holding a bucket's key pair, by name, and its place. */
export function bucketCredentialVariables(bucket: {
  readonly credentials: {
    readonly accessKeyIdVariable: string;
    readonly secretAccessKeyVariable: string;
  };
  readonly endpoint?: string;
  readonly region?: string;
}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: `$${bucket.credentials.accessKeyIdVariable}`,
    AWS_SECRET_ACCESS_KEY: `$${bucket.credentials.secretAccessKeyVariable}`,
    ...(bucket.endpoint ? { S3_ENDPOINT_URL: bucket.endpoint } : {}),
    // Without one, the job's own AWS_REGION applies (a CI variable), else us-east-1. Spack's
    // boto3 reads AWS_DEFAULT_REGION; spackitor, s3cmd (sif-store.sh) and the SDK AWS_REGION.
    ...(bucket.region ? { AWS_REGION: bucket.region, AWS_DEFAULT_REGION: bucket.region } : {}),
  };
}

/** The same for the arch's Spack binary cache. */
export const cacheCredentialVariables = (arch: Architecture) =>
  bucketCredentialVariables(arch.cache);

/** `needs` entry that fetches the generated files from the entry pipeline's generate job. */
export const parentArtifactsNeed = (job: string) =>
  ({ pipeline: `$${ENTRY_PIPELINE_ID_VARIABLE}`, job, artifacts: true }) as const;
