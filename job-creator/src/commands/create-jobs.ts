import { requireJobPath } from "./arguments.js";
import { warnOverLimits } from "./limit-warnings.js";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Output } from "../../../common/src/cli.js";
import { mermaidMarkdown, pictureFile, pipelineMermaid } from "../../../common/src/ci/mermaid.js";
import { writtenPipeline } from "../../../common/src/ci/render.js";
import { GENERATED_PIPELINE_FILE } from "../../../common/src/job-names.js";
import { InputError, settledValues, type Problem } from "../../../common/src/errors.js";
import { isMapping } from "../../../common/src/mapping.js";
import {
  replaceDirectory,
  requireOutputDir,
  type OutputGuard,
} from "../../../common/src/replace-dir.js";
import { readLocatedYamlSync } from "../../../common/src/yaml-io.js";
import { NOT_CHECKED, offlineDecider, type ImageDecider } from "../base-images/decide.js";
import { readBaseImageInputs, type SpackRevision } from "../base-images/inputs.js";
import {
  imagesNeeded,
  planBaseImage,
  contentTag,
  type BaseImagePlan,
} from "../base-images/plan.js";
import { BASE_IMAGES_FILE, renderBaseImageRefs } from "../base-images/refs-file.js";
import { readConfig } from "../config/read.js";
import { readSigningPublicKey } from "../config/signing-key.js";
import type { Config } from "../config/schema.js";
import { DEFINITIONS_DIR, readDefinitions, type DefinitionsRead } from "../definitions/read.js";
import { EVERYTHING, selectDefinitions, type Selection } from "../definitions/selection.js";
import { WHOLE_CHAIN, includesStage, type StageRange } from "../definitions/stage-range.js";
import { conflictProblem } from "../spack/merge-env.js";
import {
  architectureOf,
  generationContext,
  isDefaultBranch,
  type GenerationContext,
} from "../pipeline/context.js";
import type { RunnersApi } from "../gitlab/runners-api.js";
import { archCapacity, placementOf, type Placement } from "../runners/capacity.js";
import { placeRun } from "../runners/placement.js";
import { buildGeneratedPipeline } from "../pipeline/create-pipeline.js";
import { formatPlan, formatSelection, planJson } from "./plan-report.js";
import {
  TEMPLATE_FILE,
  buildEnvironments,
  type DefinitionConflict,
} from "../pipeline/environments.js";
import { definitionLimit } from "../config/limits.js";

export interface CreateJobsOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** Relative to the repository root: jobs refer to the files below it by this path. */
  readonly outputDir: string;
  /** Print the plan, write nothing. */
  readonly planOnly: boolean;
  /** The plan as JSON, for scripts (with planOnly). */
  readonly json?: boolean;
  readonly branch?: string;
  readonly defaultBranch?: string;
  /** Where the default branch came from when GitLab did not say, for the plan. */
  readonly defaultBranchSource?: string;
  /** Which containers and architectures this run builds, and which it forces. */
  readonly selection?: Selection;
}

/** The network-facing parts, passed in: `--offline` passes ones that ask nothing. */
export interface CreateJobsServices {
  readonly images: ImageDecider;
  readonly spackRevision: (config: Config) => Promise<SpackRevision>;
  /** GitLab's runners, asked when the configuration has `checkRunners` (online only). */
  readonly runners?: RunnersApi;
}

/** Builds the services once the configuration (registry, variable names) is known. */
export type ServicesFactory = (config: Config) => CreateJobsServices;

export const offlineServices: ServicesFactory = () => ({
  images: offlineDecider,
  spackRevision: (config) => Promise.resolve({ branch: config.spack.branch }),
});

/** What create-jobs reads besides the configuration and the template: never an output. */
const INPUT_FOLDERS = [DEFINITIONS_DIR, "builder", "runtime", "singularitah", "spacktainer"];

/** `jc create-jobs`: definitions + template -> generated child pipeline and merged environments. */
export async function createJobs(
  opts: CreateJobsOptions,
  makeServices: ServicesFactory,
  output: Output,
): Promise<void> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  // Absolute or relative alike; the jobs refer to it by its path inside the repository.
  const outputPath = resolve(opts.repoRoot, opts.outputDir);
  const outputDir = relative(opts.repoRoot, outputPath);
  if (outputDir.startsWith("..") || isAbsolute(outputDir))
    throw new InputError(
      `the output folder ${opts.outputDir} is outside the repository ${opts.repoRoot}: the generated jobs refer to it by its path there`,
    );
  const guard: OutputGuard = {
    repoRoot: opts.repoRoot,
    inputs: [...INPUT_FOLDERS, TEMPLATE_FILE, opts.configFile].map((p) => join(opts.repoRoot, p)),
  };
  requireOutputDir(outputPath, guard);
  requireJobPath(outputDir, "the output folder", "--output-dir");
  const services = makeServices(config);
  const everything = await readDefinitions(
    opts.repoRoot,
    Object.keys(config.architectures),
    definitionLimit(config),
  );
  const selection = opts.selection ?? EVERYTHING;
  const selected = selectDefinitions(everything.architectures, selection);
  const read = { ...everything, architectures: selected.architectures };
  const template = readTemplate(opts.repoRoot);
  const ctx = generationContext(
    config,
    outputDir,
    isDefaultBranch(opts.branch, opts.defaultBranch),
  );
  // Each container pipeline reads its cache's public key: a missing or wrong one fails
  // here, in the first job, not after the Spack cache was built.
  settledValues(
    await Promise.allSettled(
      [...ctx.architectures.values()].map((a) =>
        readSigningPublicKey(opts.repoRoot, a, opts.configFile),
      ),
    ),
  );
  const placed = placeRun(
    read.architectures,
    ctx,
    await runnerPlacements(config, ctx, read.architectures, services),
  );
  const baseImages = await planBaseImages(
    opts.repoRoot,
    { ...read, architectures: placed.forBaseImages },
    config,
    services,
  );
  requireEarlierStages(baseImages, selection.stages ?? WHOLE_CHAIN);
  const environments = buildEnvironments(template, placed.forContainers, baseImages, ctx);
  if (environments.conflicts.length > 0)
    throw new InputError(locateConflicts(opts.repoRoot, environments.conflicts));
  const pipeline = buildGeneratedPipeline(
    { ...selected, architectures: placed.forContainers },
    baseImages,
    placed.ctx,
    selection,
    placed.warnings,
  );
  const written = writtenPipeline(pipeline);
  const files = new Map([
    [GENERATED_PIPELINE_FILE, written.text],
    [
      pictureFile(GENERATED_PIPELINE_FILE),
      mermaidMarkdown("Base images and pipeline generation", pipelineMermaid(pipeline)),
    ],
    [BASE_IMAGES_FILE, renderBaseImageRefs(baseImages)],
    ...environments.files,
  ]);

  const defaultNote = `default branch ${opts.defaultBranch ?? "(unknown)"}${opts.defaultBranchSource ? `, ${opts.defaultBranchSource}` : ""}`;
  const branchNote = ctx.onDefaultBranch
    ? opts.branch
      ? `branch ${opts.branch}, the ${defaultNote}`
      : "default branch"
    : `branch ${opts.branch} (${defaultNote})`;
  if (opts.json && opts.planOnly) {
    output.out(
      JSON.stringify(
        {
          ...planJson(read, baseImages, branchNote, selection, selected),
          runnerWarnings: placed.warnings,
        },
        null,
        2,
      ),
    );
    return;
  }
  for (const line of formatPlan(read, baseImages, branchNote)) output.out(line);
  for (const { warning } of placed.warnings) output.out(`warning: ${warning}`);
  if (config.checkRunners && !services.runners)
    output.out("runners: not checked (offline); every architecture is planned as native");
  for (const line of formatSelection(selection, selected)) output.out(line);
  if (opts.planOnly) return;
  warnOverLimits(
    output,
    GENERATED_PIPELINE_FILE,
    written,
    config.limits,
    "build part of the containers (--only, --arch), or raise limits.maxFileBytes where the instance allows more",
  );
  output.out(`picture of the pipeline: ${join(outputDir, pictureFile(GENERATED_PIPELINE_FILE))}`);
  await replaceDirectory(outputPath, files, guard);
  output.out(
    `wrote ${join(outputPath, GENERATED_PIPELINE_FILE)} (${Object.keys(pipeline.jobs).length} jobs) and ${environments.files.size} Spack environments`,
  );
}

/** Where each architecture's jobs go, from GitLab's runners; none asked: all native. */
async function runnerPlacements(
  config: Config,
  ctx: GenerationContext,
  architectures: readonly { readonly arch: string }[],
  services: CreateJobsServices,
): Promise<ReadonlyMap<string, Placement>> {
  const runners = services.runners;
  if (!config.checkRunners || !runners) return new Map();
  const placements = await Promise.all(
    architectures.map(async ({ arch }) => {
      const architecture = architectureOf(ctx, arch);
      const found = await runners.runnersWithTags(architecture.runnerTags);
      return [
        arch,
        placementOf(archCapacity(architecture, found), architecture.emulation),
      ] as const;
    }),
  );
  return new Map(placements);
}

function readTemplate(repoRoot: string): Record<string, unknown> {
  const doc = readLocatedYamlSync(join(repoRoot, TEMPLATE_FILE), TEMPLATE_FILE);
  const spack = isMapping(doc.data) ? doc.data["spack"] : undefined;
  if (!isMapping(spack)) {
    throw new InputError([
      {
        file: TEMPLATE_FILE,
        line: doc.lineOf(["spack"]),
        message: "the template must hold a `spack:` mapping",
      },
    ]);
  }
  return spack;
}

async function planBaseImages(
  repoRoot: string,
  read: DefinitionsRead,
  config: Config,
  services: CreateJobsServices,
): Promise<BaseImagePlan[]> {
  const needs = read.architectures.map(({ arch, containers }) => ({
    arch,
    images: imagesNeeded(new Set(containers.map((c) => c.kind))),
  }));
  const allImages = [...new Set(needs.flatMap((n) => n.images))];
  if (allImages.length === 0) return [];
  const revision = allImages.includes("builder")
    ? await services.spackRevision(config)
    : { branch: config.spack.branch };
  const inputs = readBaseImageInputs(repoRoot, config, allImages, revision);
  const requests = needs.flatMap(({ arch, images }) =>
    images.map((image) => {
      const imageInputs = inputs.get(image)!;
      const repository = `${config.registry.imageRoot}/${config.images[image]}`;
      return { inputs: imageInputs, arch, repository, tag: contentTag(imageInputs) };
    }),
  );
  const decisions = await Promise.all(requests.map((r) => services.images.decide(r)));
  return requests.map((r, i) => planBaseImage(r.inputs, r.arch, r.repository, decisions[i]!));
}

function locateConflicts(repoRoot: string, conflicts: readonly DefinitionConflict[]): Problem[] {
  const problems: Problem[] = [];
  for (const conflict of conflicts) {
    const doc = readLocatedYamlSync(join(repoRoot, conflict.file), conflict.file);
    problems.push(
      conflictProblem(
        conflict.file,
        TEMPLATE_FILE,
        conflict,
        doc.lineOf(["spack", ...conflict.path]),
      ),
    );
  }
  return problems;
}

/**
 * A run that starts after the base images builds on the ones in the registry: each must be
 * there with its current inputs, or the run would build on stale ones (offline: not known).
 */
function requireEarlierStages(plans: readonly BaseImagePlan[], stages: StageRange): void {
  if (includesStage(stages, "base-images")) return;
  const stale = plans.filter(
    (p) => p.decision.action === "rebuild" && p.decision.reason !== NOT_CHECKED,
  );
  if (stale.length === 0) return;
  throw new InputError(
    stale
      .map(
        (p) =>
          `--from ${stages.from}: the ${p.image} image for ${p.arch} (${p.archTag}) is not usable: ${p.decision.reason}; run from base-images`,
      )
      .join("\n"),
  );
}
