import { compactPipeline } from "../../../common/src/ci/compact.js";
import {
  renderedPipeline,
  renderJobBlock,
  writtenPipeline,
  type WrittenPipeline,
} from "../../../common/src/ci/render.js";
import type { CiPipeline } from "../../../common/src/ci/types.js";
import {
  ENTRY_PIPELINE_ID_VARIABLE,
  SPACKTAINER_PIPELINE_FILE,
  spacktainerPartFile,
} from "../../../common/src/job-names.js";
import type { ContainerDecision } from "../containers/decide.js";
import { archiveJobName } from "./archive-job.js";
import { archJobBase, type GenerationContext } from "./context.js";
import { buildTriggerPipeline } from "./trigger.js";
import { buildWorkflowPipeline } from "./workflow-jobs.js";
import { baseGroups, packParts } from "./workflow-parts.js";
import { nothingToDoJobName, type WorkflowSettings } from "./workflow-settings.js";

/** The bridge of one part, in the file that triggers them. */
const partBridgeName = (arch: string, part: number, parts: number) =>
  `containers of ${arch} (${part}/${parts})`;

/** Room a part keeps for what its size estimate leaves out (its archive job, needs that differ). */
const BYTES_HEADROOM = 0.9;

/**
 * The files of one arch's container pipeline, the one the entry pipeline triggers
 * (`spacktainer_pipeline.yaml`) first. Where it fits GitLab's limits (`limits.maxJobsPerFile`
 * jobs, `limits.maxFileBytes`), it is one file; otherwise that file runs child files, each
 * with whole groups of containers (a container with those built on it) and its own archive
 * job, side by side: no job of one part needs a job of another.
 */
export function workflowFiles(
  whole: CiPipeline,
  decisions: readonly ContainerDecision[],
  settings: WorkflowSettings,
  ctx: GenerationContext,
): Map<string, WrittenPipeline> {
  const { maxJobsPerFile, maxFileBytes, maxNeedsPerJob } = ctx.config.limits;
  const compact = compactPipeline(whole);
  // Rendered only when it may fit: 200 containers are a megabyte of YAML.
  const single =
    Object.keys(whole.jobs).length <= maxJobsPerFile ? renderedPipeline(compact) : undefined;
  if (single && Buffer.byteLength(single.text) <= maxFileBytes)
    return new Map([[SPACKTAINER_PIPELINE_FILE, single]]);

  const index = new Map(decisions.map((d, i) => [d.target.name, i]));
  const groups = baseGroups(
    decisions.map((d) => (d.target.basedOn ? index.get(d.target.basedOn.name) : undefined)),
  );
  // A group's size: its jobs as the single file writes them, without what the templates hold.
  const shared = new Set([
    archiveJobName(settings.arch.name),
    nothingToDoJobName(settings.arch.name),
  ]);
  const groupDecisions = groups.map((group) => group.map((i) => decisions[i]!));
  const sizes = groupDecisions.map((group) => {
    const names = Object.keys(buildWorkflowPipeline(group, settings, ctx).jobs).filter(
      (name) => !shared.has(name),
    );
    const bytes = names.reduce(
      (sum, name) => sum + Buffer.byteLength(renderJobBlock(name, compact.jobs[name]!)),
      0,
    );
    return { jobs: names.length, bytes };
  });
  // Each part repeats the header, stages and templates; its archive job is one of its jobs.
  const frame = Buffer.byteLength(renderedPipeline({ ...compact, jobs: {} }).text);
  const parts = packParts(sizes, {
    jobs: maxJobsPerFile - 1,
    bytes: Math.floor(maxFileBytes * BYTES_HEADROOM) - frame,
  });
  if (parts.length <= 1)
    return new Map([[SPACKTAINER_PIPELINE_FILE, single ?? renderedPipeline(compact)]]);

  const arch = settings.arch.name;
  const files = new Map<string, WrittenPipeline>();
  parts.forEach((part, i) => {
    const partDecisions = part.flatMap((g) => groupDecisions[g]!);
    files.set(
      spacktainerPartFile(i + 1),
      writtenPipeline(buildWorkflowPipeline(partDecisions, settings, ctx)),
    );
  });
  const trigger = buildTriggerPipeline(
    [...files.keys()].map((file, i) => ({
      file,
      bridge: partBridgeName(arch, i + 1, parts.length),
      after: [],
    })),
    {
      artifactsDir: settings.artifactsDir,
      // Only the child files: the jobs fetch their build contexts from the entry pipeline.
      collect: [...files.keys()].map((file) => `${settings.artifactsDir}/${file}`),
      passOn: [ENTRY_PIPELINE_ID_VARIABLE],
      tags: archJobBase(settings.arch).tags,
      image: ctx.config.images.tools,
      maxNeedsPerJob,
    },
  );
  return new Map([[SPACKTAINER_PIPELINE_FILE, writtenPipeline(trigger)], ...files]);
}
