import { join, resolve } from "node:path";
import type { Output } from "../../../common/src/cli.js";
import { InputError } from "../../../common/src/errors.js";
import {
  generateSpackJobName,
  GENERATION_PIPELINE_ID_VARIABLE,
} from "../../../common/src/job-names.js";
import {
  replaceDirectory,
  requireOutputDir,
  type OutputGuard,
} from "../../../common/src/replace-dir.js";
import { readConfig } from "../config/read.js";
import { requireArchitecture, requireArtifactsPath, requireResourceGroup } from "./arguments.js";
import type { Config } from "../config/schema.js";
import { resolveArchitectures, type Architecture } from "../config/architecture.js";
import { architectureOf, archJobBase, cacheCredentialVariables } from "../pipeline/context.js";
import { rebuildSigning } from "../pipeline/signing.js";
import {
  assembleProcessedPipelines,
  type AssembleSettings,
  type ProcessSummary,
} from "../spack-pipeline/assemble.js";
import { SpackMerge } from "../spack-pipeline/merge.js";
import { readSpackOutputs } from "../spack-pipeline/read.js";
import { durationModel, minutesOf } from "../spack-pipeline/durations.js";
import { formatProcessPlan } from "./plan-report.js";
import { spackOutputLimit } from "../config/limits.js";

export interface ProcessOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  readonly arch: string;
  readonly inputDir: string;
  readonly outputDir: string;
  /** Where the child files are inside the job's artifacts (relative to the project dir). */
  readonly artifactsDir: string;
  /** A YAML map of package name to typical build minutes (`default:` for the rest). */
  readonly durationsFile?: string;
  /** Resource group of the job that rewrites the cache's index. */
  readonly indexResourceGroup?: string;
  /** Print the plan as JSON instead of lines. */
  readonly json?: boolean;
}

/** `jc process-spack-pipeline`: spack's per-container outputs -> size-limited child pipelines. */
export async function processSpackPipeline(
  opts: ProcessOptions,
  output: Output,
): Promise<ProcessSummary> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  requireArtifactsPath(opts.artifactsDir);
  if (opts.indexResourceGroup !== undefined)
    requireResourceGroup(opts.indexResourceGroup, "--index-resource-group");
  requireArchitecture(config, opts.arch, opts.configFile);
  const guard: OutputGuard = {
    repoRoot: opts.repoRoot,
    inputs: [opts.inputDir, join(opts.repoRoot, opts.configFile)],
  };
  requireOutputDir(opts.outputDir, guard);
  // The command line's file wins over the configuration's buildJobs.minutes.
  const durations = opts.durationsFile
    ? (await import("../spack-pipeline/durations-file.js")).readDurations(
        resolve(opts.repoRoot, opts.durationsFile),
        opts.durationsFile,
      )
    : durationModel(config.buildJobs.minutes);
  const merge = new SpackMerge();
  const limit = spackOutputLimit(config);
  await readSpackOutputs(opts.inputDir, limit, (output) => {
    merge.add(output);
  });
  const merged = merge.result();
  const max = config.limits.maxJobNameLength;
  const tooLong = merged.jobs.filter((job) => job.name.length > max);
  if (tooLong.length > 0)
    throw new InputError(
      tooLong
        .map(
          (job) =>
            `${job.where}: job name is ${job.name.length} characters, over limits.maxJobNameLength (${max}): ${job.name.slice(0, 60)}…`,
        )
        .join("\n"),
    );
  const { files, summary } = assembleProcessedPipelines(merged, {
    ...processSettings(
      config,
      architectureOf({ architectures: resolveArchitectures(config) }, opts.arch),
      opts.artifactsDir,
    ),
    minutes: (job) => minutesOf(durations, job),
    ...(opts.indexResourceGroup ? { indexResourceGroup: opts.indexResourceGroup } : {}),
  });
  await replaceDirectory(opts.outputDir, files, guard);
  if (opts.json) output.out(JSON.stringify(summary, null, 2));
  else for (const line of formatProcessPlan(summary)) output.out(line);
  return summary;
}

/** The configuration's say on the processed pipelines of one arch. */
export function processSettings(
  config: Config,
  arch: Architecture,
  artifactsDir: string,
): Omit<AssembleSettings, "minutes"> {
  const base = archJobBase(arch);
  const signing = rebuildSigning(arch);
  return {
    limits: config.limits,
    maxChildFiles: childFileShare(config),
    rewrite: {
      ...(signing ? { signing } : {}),
      tags: base.tags,
      defaultVariables: base.variables,
      forcedVariables: cacheCredentialVariables(arch),
      timeout: config.buildJobs.timeout,
      imagePullPolicy: config.buildJobs.imagePullPolicy,
      generateNeed: (container) => ({
        pipeline: `$${GENERATION_PIPELINE_ID_VARIABLE}`,
        job: generateSpackJobName(container, arch.name),
        artifacts: true,
      }),
    },
    trigger: {
      artifactsDir: artifactsDir.replace(/\/+$/, ""),
      tags: base.tags,
      image: config.images.tools,
      passOn: [GENERATION_PIPELINE_ID_VARIABLE],
    },
  };
}

/**
 * The child pipelines one arch's build-cache pipeline may start: GitLab counts every
 * pipeline of one hierarchy (the entry pipeline and all it starts, every arch's) against
 * `pipeline_hierarchy_size`; each configured arch gets an equal share, and half of it is
 * left to its container pipeline's parts and the pipelines between.
 */
export function childFileShare(config: Config): number {
  const archs = Object.keys(config.architectures).length;
  return Math.floor(config.limits.maxPipelinesPerHierarchy / archs / 2);
}
