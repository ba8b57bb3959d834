import { ENTRY_PIPELINE_ID_VARIABLE } from "../../../common/src/job-names.js";
import type { ArchitectureConfig, Config } from "../config/schema.js";

/** Everything the job builders need besides the definitions; no I/O, no clock. */
export interface GenerationContext {
  readonly config: Config;
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

export function archConfig(config: Config, arch: string): ArchitectureConfig {
  const found = config.architectures[arch];
  if (!found) throw new Error(`architecture ${arch} is not configured`);
  return found;
}

/** Runner tags and variables every job of an architecture gets. */
export function archJobBase(
  config: Config,
  arch: string,
): { tags: string[]; variables: Record<string, string> } {
  const settings = archConfig(config, arch);
  return {
    tags: [...settings.runnerTags],
    variables: { ...(settings.proxy ? config.proxy : {}), ...settings.variables },
  };
}

/** The cache bucket of this branch: production on the default branch, development elsewhere. */
export function cacheBucket(
  ctx: GenerationContext,
  arch: string,
): { bucket: string; maxAgeDays: number } {
  const cache = archConfig(ctx.config, arch).cache;
  return ctx.onDefaultBranch ? cache.defaultBranch : cache.otherBranches;
}

/** `s3://bucket[/prefix]` of the arch's Spack binary cache on this branch. */
export function cacheMirrorUrl(ctx: GenerationContext, arch: string): string {
  return mirrorUrl(ctx, arch, cacheBucket(ctx, arch).bucket);
}

/** Off the default branch, the default branch's cache, which branches read but never write. */
export function readOnlyMirrorUrl(ctx: GenerationContext, arch: string): string | undefined {
  const production = archConfig(ctx.config, arch).cache.defaultBranch.bucket;
  if (ctx.onDefaultBranch || production === cacheBucket(ctx, arch).bucket) return undefined;
  return mirrorUrl(ctx, arch, production);
}

function mirrorUrl(ctx: GenerationContext, arch: string, bucket: string): string {
  const prefix = archConfig(ctx.config, arch).cache.prefix.replace(/^\/+|\/+$/g, "");
  return `s3://${bucket}${prefix ? `/${prefix}` : ""}`;
}

/** AWS variables that point at the CI variables holding a bucket's key pair, by name. */
export function bucketCredentialVariables(bucket: {
  readonly credentials: {
    readonly accessKeyIdVariable: string;
    readonly secretAccessKeyVariable: string;
  };
  readonly endpoint?: string;
}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: `$${bucket.credentials.accessKeyIdVariable}`,
    AWS_SECRET_ACCESS_KEY: `$${bucket.credentials.secretAccessKeyVariable}`,
    ...(bucket.endpoint ? { S3_ENDPOINT_URL: bucket.endpoint } : {}),
  };
}

/** The same for the arch's Spack binary cache. */
export const cacheCredentialVariables = (config: Config, arch: string) =>
  bucketCredentialVariables(archConfig(config, arch).cache);

/** `needs` entry that fetches the generated files from the entry pipeline's generate job. */
export const parentArtifactsNeed = (job: string) =>
  ({ pipeline: `$${ENTRY_PIPELINE_ID_VARIABLE}`, job, artifacts: true }) as const;
