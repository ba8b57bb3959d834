import type { CiLimits } from "../../../common/src/ci/limits.js";
import { InputError } from "../../../common/src/errors.js";
import { memoized } from "../../../common/src/memo.js";
import {
  renderJobBlock,
  renderNeedItem,
  renderNeedsFromItems,
  renderPipeline,
  renderPipelineFromBlocks,
} from "../../../common/src/ci/render.js";
import type { CiEntry, CiNeed, CiTemplate } from "../../../common/src/ci/types.js";
import { SPACK_PIPELINE_FILE } from "../../../common/src/job-names.js";
import { pictureFile } from "../../../common/src/ci/mermaid.js";
import type { MergedJob, MergedPipeline } from "./merge.js";
import { compactJobs, type TemplateNames } from "../../../common/src/ci/compact.js";
import { estimate as estimateMakespan, NO_ESTIMATE, type MakespanEstimate } from "./makespan.js";
import { reducedDependencies } from "./reduce.js";
import { rebuildJobRewriter, type RewriteSettings } from "./rewrite.js";
import { noopPipeline, servicesPipeline } from "./services.js";
import { planSplit, type ChildPart, type SplitJob } from "./split.js";
import {
  buildTriggerPipeline,
  triggerPicture,
  type ChildFileRef,
  type TriggerSettings,
} from "../pipeline/trigger.js";

/** The file the entry pipeline triggers; its bridges run the others in order. */
export const TRIGGER_FILE = SPACK_PIPELINE_FILE;
export const SERVICES_FILE = "build-cache-services.yaml";

/** Every rebuild job of an arch extends `.spack rebuild`; one container's jobs, its own template. */
const REBUILD_TEMPLATES: TemplateNames = {
  shared: ".spack rebuild",
  group: (container) => `.spack rebuild for ${container}`,
};
/**
 * The one stage of a build file: GitLab numbers jobs stage by stage, and a free runner takes
 * the lowest number, so one stage lets the file's order (longest chain first) decide.
 */
const BUILD_STAGE = "build";

export interface AssembleSettings {
  readonly rewrite: RewriteSettings;
  readonly trigger: Omit<TriggerSettings, "maxNeedsPerJob">;
  readonly limits: CiLimits;
  /** How many child files (pipelines) the trigger pipeline may start. */
  readonly maxChildFiles: number;
  /** Expected build minutes of a job, from the duration model. */
  readonly minutes: (job: MergedJob) => number;
  /** The resource group of the jobs that rewrite the cache's index (shared with its cleaner). */
  readonly indexResourceGroup?: string;
}

export interface ProcessSummary {
  readonly jobsIn: number;
  readonly jobsOut: number;
  readonly duplicatesRemoved: number;
  readonly childPipelines: number;
  readonly biggestFileBytes: number;
  /** Bytes of the build files over their jobs: what one job costs in a file. */
  readonly bytesPerJob: number;
  readonly files: readonly ChildFileSummary[];
  /** The estimate, its longest chain by bridge name. */
  readonly estimate: Omit<MakespanEstimate, "longestChain"> & {
    readonly longestChain: readonly string[];
  };
}

export interface ChildFileSummary {
  readonly file: string;
  readonly bridge: string;
  readonly jobs: number;
  readonly bytes: number;
  readonly after: readonly string[];
}

/** Turns the merged spack jobs of one arch into the trigger pipeline and its child files. */
export function assembleProcessedPipelines(
  merged: MergedPipeline,
  settings: AssembleSettings,
): { files: Map<string, string>; summary: ProcessSummary } {
  const files = new Map<string, string>();
  if (merged.jobs.length === 0) {
    const noop = noopPipeline(merged, settings.rewrite);
    files.set(TRIGGER_FILE, renderPipeline(noop));
    const summary = summarize(merged, files, [], NO_ESTIMATE);
    files.set(
      pictureFile(TRIGGER_FILE),
      triggerPicture(noop, () => undefined),
    );
    return { files, summary };
  }
  const prepared = prepareJobs(merged, settings);
  const byName = new Map(prepared.jobs.map((p) => [p.split.name, p]));
  const splitJobs = prepared.jobs.map((p) => p.split);
  const plan = planSplit(
    splitJobs,
    settings.limits,
    prepared.templateBytes,
    settings.maxChildFiles,
  );
  const refs = plan.map((part, index): ChildFileRef => {
    const file = plan.length === 1 ? "build-cache.yaml" : `build-cache-${index + 1}.yaml`;
    files.set(file, renderChild(part, byName, prepared, settings.rewrite));
    return {
      file,
      bridge: bridgeName(index, plan.length),
      after: part.after.map((a) => bridgeName(a, plan.length)),
    };
  });
  const builds = [...refs];
  const services = servicesPipeline(merged, settings.rewrite, settings.indexResourceGroup);
  if (services) {
    files.set(SERVICES_FILE, renderPipeline(services));
    const waitedFor = new Set(refs.flatMap((r) => r.after));
    refs.push({
      file: SERVICES_FILE,
      bridge: "build cache index",
      after: refs.map((r) => r.bridge).filter((b) => !waitedFor.has(b)),
    });
  }
  const trigger = buildTriggerPipeline(refs, {
    ...settings.trigger,
    maxNeedsPerJob: settings.limits.maxNeedsPerJob,
  });
  // The trigger pipeline cannot be split further: GitLab nests child pipelines two levels deep.
  const triggerJobs = Object.keys(trigger.jobs).length;
  if (triggerJobs > settings.limits.maxJobsPerFile) {
    throw new InputError(
      `${TRIGGER_FILE} would have ${triggerJobs} jobs, over limits.maxJobsPerFile (${settings.limits.maxJobsPerFile}): raise limits.maxJobsPerFile or limits.maxFileBytes so fewer child files are needed`,
    );
  }
  const triggerText = renderPipeline(trigger);
  if (Buffer.byteLength(triggerText) > settings.limits.maxFileBytes)
    throw new InputError(
      `${TRIGGER_FILE} would be ${Buffer.byteLength(triggerText)} bytes, over limits.maxFileBytes (${settings.limits.maxFileBytes}): raise limits.maxFileBytes so fewer child files are needed`,
    );
  files.set(TRIGGER_FILE, triggerText);
  const summaries = builds.map((ref, index) => ({
    file: ref.file,
    bridge: ref.bridge,
    jobs: plan[index]!.jobs.length,
    bytes: Buffer.byteLength(files.get(ref.file)!),
    after: ref.after,
  }));
  const summary = summarize(merged, files, summaries, estimateMakespan(plan, splitJobs));
  const jobsIn = new Map(summaries.map((s) => [s.file, s.jobs]));
  files.set(
    pictureFile(TRIGGER_FILE),
    triggerPicture(trigger, (file) => jobsIn.get(file)),
  );
  return { files, summary };
}

const bridgeName = (index: number, count: number) =>
  count === 1 ? "build cache" : `build cache ${index + 1} of ${count}`;

interface Prepared {
  readonly job: MergedJob;
  /** The job's own keys rendered once, without its needs (which depend on the file it lands in). */
  /** The job's own keys, without needs. */
  readonly own: CiEntry;
  /** Whether the generate need is its own, not its template's. */
  readonly ownNeeds: boolean;
  readonly block: string;
  readonly dependencyNames: readonly string[];
  readonly split: SplitJob;
}

/** Rewrites every job, moves what they share into templates, and sizes each for the splitter. */
function prepareJobs(merged: MergedPipeline, settings: AssembleSettings) {
  const rewritten = rebuildJobRewriter(settings.rewrite);
  const generateNeeds = memoized((container: string) => [settings.rewrite.generateNeed(container)]);
  const compact = compactJobs(
    merged.jobs.map((job) => ({
      name: job.name,
      group: job.container,
      // The generate need is the container's: jobs that need nothing in their file inherit it.
      job: {
        ...rewritten(job.job, job.fileVariables),
        stage: BUILD_STAGE,
        needs: generateNeeds(job.container),
      },
    })),
    REBUILD_TEMPLATES,
  );
  const templateBytes = new Map(
    [...compact.templates].map(([name, body]) => [
      name,
      Buffer.byteLength(renderJobBlock(name, body)),
    ]),
  );
  const indexByHash = new Map(merged.jobs.map((j, i) => [j.hash, i]));
  const reduced = reducedDependencies(
    merged.jobs.map((job) => job.dependencies.flatMap((h) => indexByHash.get(h) ?? [])),
  );
  const needItems = needItemsOf(settings.rewrite);
  const jobs = merged.jobs.map((job, i): Prepared => {
    const { needs: ownNeeds, ...own } = compact.jobs.get(job.name)!;
    const dependencyNames = reduced[i]!.map((d) => merged.jobs[d]!.name);
    const block = renderJobBlock(job.name, own);
    // Sized with every dependency as a need: an upper bound of the job in any file.
    const widest = renderNeedsFromItems([
      ...dependencyNames.map(needItems.local),
      needItems.generate(job.container),
    ]);
    return {
      job,
      own,
      ownNeeds: ownNeeds !== undefined,
      block,
      dependencyNames,
      split: {
        name: job.name,
        level: job.level,
        dependencies: dependencyNames,
        bytes: Buffer.byteLength(block) + Buffer.byteLength(widest),
        templates: compact.templatesOf.get(job.name)!,
        minutes: settings.minutes(job),
      },
    };
  });
  return { jobs, templates: compact.templates, templateBytes, needItems };
}

const localNeed = (job: string): CiNeed => ({ job, artifacts: false });

/** Each `needs` entry's lines, rendered once: a job is named in the needs of several others. */
function needItemsOf(rewrite: RewriteSettings) {
  return {
    local: memoized((job: string) => renderNeedItem(localNeed(job))),
    generate: memoized((container: string) => renderNeedItem(rewrite.generateNeed(container))),
  };
}
type NeedItems = ReturnType<typeof needItemsOf>;

/** Renders one child file from the jobs' blocks, adding the needs that stay inside it. */
function renderChild(
  part: ChildPart,
  byName: ReadonlyMap<string, Prepared>,
  { templates, needItems }: { templates: ReadonlyMap<string, CiTemplate>; needItems: NeedItems },
  rewrite: RewriteSettings,
): string {
  const inFile = new Set(part.jobs);
  const jobs: Record<string, CiEntry> = {};
  const blocks = new Map<string, string>();
  const used = new Set<string>();
  for (const name of part.jobs) {
    const { job, own, ownNeeds, block, dependencyNames, split } = byName.get(name)!;
    // Dependencies in other files are done before this file starts: its bridge waits for theirs.
    const local = dependencyNames.filter((d) => inFile.has(d));
    // A job's own needs replace its template's, so with any of its own it repeats the generate need.
    const withNeeds = local.length > 0 || ownNeeds;
    jobs[name] = withNeeds
      ? { ...own, needs: [...local.map(localNeed), rewrite.generateNeed(job.container)] }
      : own;
    const items = withNeeds
      ? [...local.map(needItems.local), needItems.generate(job.container)]
      : [];
    blocks.set(name, block + renderNeedsFromItems(items));
    for (const t of split.templates) used.add(t);
  }
  return renderPipelineFromBlocks(
    {
      stages: [BUILD_STAGE],
      templates: Object.fromEntries([...used].sort().map((t) => [t, templates.get(t)!])),
      jobs,
    },
    blocks,
    part.jobs,
  );
}

function summarize(
  merged: MergedPipeline,
  files: ReadonlyMap<string, string>,
  builds: readonly ChildFileSummary[],
  estimate: MakespanEstimate,
): ProcessSummary {
  const buildBytes = builds.reduce((sum, b) => sum + b.bytes, 0);
  return {
    jobsIn: merged.jobsIn,
    jobsOut: merged.jobs.length,
    duplicatesRemoved: merged.duplicatesRemoved,
    childPipelines: files.size - 1,
    biggestFileBytes: Math.max(...[...files.values()].map((text) => Buffer.byteLength(text))),
    bytesPerJob: merged.jobs.length > 0 ? Math.round(buildBytes / merged.jobs.length) : 0,
    files: builds,
    estimate: {
      ...estimate,
      longestChain: estimate.longestChain.map((i) => builds[i]!.bridge),
    },
  };
}
