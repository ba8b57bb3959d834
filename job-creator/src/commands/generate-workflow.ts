import { join } from "node:path";
import type { Output } from "../../../common/src/cli.js";
import { mermaidMarkdown, pictureFile, pipelineMermaid } from "../../../common/src/ci/mermaid.js";
import { InputError } from "../../../common/src/errors.js";
import { SPACKTAINER_PIPELINE_FILE } from "../../../common/src/job-names.js";
import {
  replaceDirectory,
  requireOutputDir,
  type FileContent,
  type OutputGuard,
} from "../../../common/src/replace-dir.js";
import type { Runner } from "../../../common/src/run.js";
import { BASE_IMAGES_FILE, readBaseImageRefs } from "../base-images/refs-file.js";
import type { BaseImageName } from "../base-images/plan.js";
import { readConfig } from "../config/read.js";
import { readSigningPublicKey } from "../config/signing-key.js";
import { requireArchitecture, requireArtifactsPath, requireJobPath } from "./arguments.js";
import { decisionsJson, formatDecisions } from "./plan-report.js";
import { warnOverLimits } from "./limit-warnings.js";
import type { Config } from "../config/schema.js";
import type { ImageReference } from "../definitions/image-ref.js";
import { DEFINITIONS_DIR, readDefinitions } from "../definitions/read.js";
import {
  EVERYTHING,
  isForced,
  selectDefinitions,
  type Selection,
} from "../definitions/selection.js";
import {
  architectureOf,
  generationContext,
  isDefaultBranch,
  type GenerationContext,
} from "../pipeline/context.js";
import { emulatedArchitecture } from "../config/architecture.js";
import {
  decideContainer,
  withCacheCoverage,
  withDeploy,
  type ContainerDecision,
} from "../containers/decide.js";
import { restrictToStages } from "../containers/stage-plan.js";
import { WHOLE_CHAIN, includesStage } from "../definitions/stage-range.js";
import {
  FactGatherer,
  factsNeeded,
  repositoriesRead,
  factsBeforeDigest,
  UNCHECKED_FACTS,
  type WorkflowChecks,
} from "../containers/facts.js";
import { tagScheme } from "../containers/targets.js";
import { buildWorkflowPipeline, readsBuildContext } from "../pipeline/workflow-jobs.js";
import { workflowFiles } from "../pipeline/workflow-files.js";
import { sourceDigests, type Preparation } from "../containers/prepare.js";
import { prepareContainers } from "../containers/prepare-all.js";
import { definitionLimit } from "../config/limits.js";

export interface WorkflowOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  readonly arch: string;
  /** Folder to (re)write: the pipeline file and the build context of each container built. */
  readonly outputDir: string;
  /** Where that folder is inside the gathered artifacts, relative to the project dir. */
  readonly artifactsDir: string;
  /** Where `jc create-jobs` wrote its files, relative to the repository root. */
  readonly generatedDir: string;
  /** Folder of `<container>/spack.lock`; without it, each environment is concretized here. */
  readonly lockDir?: string;
  readonly branch?: string;
  readonly defaultBranch?: string;
  /** Where the default branch came from when GitLab did not say, for the plan. */
  readonly defaultBranchSource?: string;
  /** The containers of the arch this run considers (`--only`) and rebuilds anyway (`--force`). */
  readonly selection?: Selection;
  /** Print the decisions and write nothing; as JSON with `json`. */
  readonly planOnly?: boolean;
  /** Build on the arch's emulation runners: create-jobs found no native one online. */
  readonly emulated?: boolean;
  readonly json?: boolean;
}

/** The network-facing parts, passed in: offline there are no checks and everything is built. */
export interface WorkflowServices {
  readonly checks?: WorkflowChecks;
  /** The digest of a `.def` container's source image, or undefined when it does not exist. */
  readonly sourceDigest?: (ref: ImageReference) => Promise<string | undefined>;
  readonly run: Runner;
}

export type WorkflowServicesFactory = (config: Config) => WorkflowServices;

/** `jc generate-spacktainer-workflow`: the build, SIF, publish and deploy jobs of one arch. */
export async function generateSpacktainerWorkflow(
  opts: WorkflowOptions,
  makeServices: WorkflowServicesFactory,
  output: Output,
): Promise<readonly ContainerDecision[]> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  requireArtifactsPath(opts.artifactsDir);
  requireJobPath(opts.generatedDir, "the generated folder", "--generated-dir");
  requireArchitecture(config, opts.arch, opts.configFile);
  const guard: OutputGuard = {
    repoRoot: opts.repoRoot,
    inputs: [
      join(opts.repoRoot, DEFINITIONS_DIR),
      join(opts.repoRoot, opts.generatedDir),
      join(opts.repoRoot, opts.configFile),
      ...(opts.lockDir ? [opts.lockDir] : []),
    ],
  };
  if (!opts.planOnly) requireOutputDir(opts.outputDir, guard);
  const services = makeServices(config);
  const read = await readDefinitions(
    opts.repoRoot,
    Object.keys(config.architectures),
    definitionLimit(config),
  );
  const selection = opts.selection ?? EVERYTHING;
  const ofArch = read.architectures.find((a) => a.arch === opts.arch) ?? {
    arch: opts.arch,
    containers: [],
  };
  const containers = selectDefinitions([ofArch], selection).architectures[0]?.containers ?? [];
  const onDefaultBranch = isDefaultBranch(opts.branch, opts.defaultBranch);
  const native = generationContext(config, opts.generatedDir, onDefaultBranch);
  const ctx = opts.emulated ? emulating(native, opts.arch) : native;
  const arch = architectureOf(ctx, opts.arch);
  const scheme = tagScheme(arch, {
    onDefaultBranch,
    name: opts.branch ?? opts.defaultBranch ?? "",
  });
  const refsFile = join(opts.repoRoot, opts.generatedDir, BASE_IMAGES_FILE);
  const baseImages = containers.length > 0 ? readBaseImageRefs(refsFile)[opts.arch] : {};
  const base = (image: BaseImageName): string => {
    const ref = baseImages?.[image];
    if (!ref)
      throw new InputError([
        {
          file: refsFile,
          message: `no ${image} image recorded for ${opts.arch}: run jc create-jobs again`,
        },
      ]);
    return ref;
  };
  // Read: every repository the run reads told first (a registry that wants tokens grants
  // them in batches); the `.def` sources' digests asked at once, with their SIF files (keyed
  // by tag, not digest); then each container's files and lock, whose lookups start as soon
  // as its target is known, overlapping the reading of the next ones.
  const publishTargets = onDefaultBranch ? config.publish : [];
  services.checks?.willRead?.(repositoriesRead(config, containers, publishTargets));
  const digests = sourceDigests(containers, services.sourceDigest);
  const lookups = services.checks && new FactGatherer(services.checks);
  for (const container of containers)
    if (container.kind !== "spack" && digests.has(container.name))
      lookups?.ask(factsBeforeDigest(container, arch, scheme));
  const preparation: Preparation = {
    repoRoot: opts.repoRoot,
    generatedDir: opts.generatedDir,
    config,
    arch,
    scheme,
    base,
    signingKey: await readSigningPublicKey(opts.repoRoot, arch, opts.configFile),
  };
  // Where the builds install from: the branch's cache, and off the default branch the
  // default branch's too (the merged environments read it as a second mirror). Asked for a
  // plan, and for a run that starts after the cache: one that builds it needs no answer.
  const stages = selection.stages ?? WHOLE_CHAIN;
  const cacheBuckets =
    opts.planOnly || !includesStage(stages, "cache")
      ? [
          ...(onDefaultBranch ? [] : [arch.cache.otherBranches.bucket]),
          arch.cache.defaultBranch.bucket,
        ]
      : [];
  // A run that builds images converts every rebuilt one: their SIF files need no lookup.
  const builds = includesStage(stages, "containers");
  const prepared = await prepareContainers(
    containers,
    preparation,
    opts.lockDir ? { kind: "dir", dir: opts.lockDir } : { kind: "concretize", run: services.run },
    digests,
    (target) => lookups?.ask(factsNeeded(target, publishTargets, cacheBuckets, builds)),
  );
  const targets = prepared.map((p) => p.target);
  const facts = lookups ? await lookups.facts() : UNCHECKED_FACTS;

  // Decide (pure), then write once.
  const decisions = restrictToStages(
    targets.map((t) =>
      withCacheCoverage(
        withDeploy(
          decideContainer(t, publishTargets, facts, isForced(selection, t.name)),
          arch.deploy !== undefined,
        ),
        facts.checked ? cacheBuckets.map((bucket) => facts.cache(arch.name, bucket)) : [],
      ),
    ),
    stages,
    { checked: facts.checked, deploys: arch.deploy !== undefined },
  );
  if (opts.planOnly) {
    if (opts.json) output.out(JSON.stringify(decisionsJson(decisions), null, 2));
    else for (const line of formatDecisions(decisions, onDefaultBranch, config)) output.out(line);
    return decisions;
  }
  const settings = {
    arch,
    artifactsDir: opts.artifactsDir,
    builderImage: baseImages?.builder ?? "",
    runtimeImage: baseImages?.runtime ?? "",
    singularitahImage: baseImages?.singularitah ?? "",
  };
  const pipeline = buildWorkflowPipeline(decisions, settings, ctx);
  // The build contexts the jobs read; those of containers with nothing to build stay unwritten.
  const files = new Map<string, FileContent>();
  const contextsRead = new Set(decisions.filter(readsBuildContext).map((d) => d.target.name));
  const withContext = prepared.filter((p) => contextsRead.has(p.target.name));
  for (const { target, context } of withContext)
    for (const [path, content] of context) files.set(`${target.name}/${path}`, content);
  const pipelineFiles = workflowFiles(pipeline, decisions, settings, ctx);
  for (const [name, { text }] of pipelineFiles) files.set(name, text);
  files.set(
    pictureFile(SPACKTAINER_PIPELINE_FILE),
    mermaidMarkdown(`Containers of ${arch.name}`, pipelineMermaid(pipeline)),
  );
  for (const line of formatDecisions(decisions, onDefaultBranch, config)) output.out(line);
  for (const [name, written] of pipelineFiles)
    warnOverLimits(
      output,
      name,
      written,
      config.limits,
      "build fewer containers per run (--only), or raise limits.maxFileBytes / maxJobsPerFile where the instance allows more",
    );
  await replaceDirectory(opts.outputDir, files, guard);
  const parts = pipelineFiles.size > 1 ? `, run as ${pipelineFiles.size - 1} child pipelines` : "";
  output.out(
    `wrote ${opts.outputDir}/${SPACKTAINER_PIPELINE_FILE} (${Object.keys(pipeline.jobs).length} jobs${parts}) and ${withContext.length} build contexts`,
  );
  return decisions;
}

/** Asks no registry or bucket: every image and SIF file counts as missing. */
export const offlineWorkflowServices =
  (run: Runner): WorkflowServicesFactory =>
  () => ({ run });

/** The context with `arch` on its emulation runners; an arch without them is bad input. */
function emulating(ctx: GenerationContext, name: string): GenerationContext {
  const arch = architectureOf(ctx, name);
  if (!arch.emulation)
    throw new InputError(
      `--emulated: architecture ${name} has no emulation: settings in the configuration`,
    );
  return {
    ...ctx,
    architectures: new Map([...ctx.architectures, [name, emulatedArchitecture(arch)]]),
  };
}
