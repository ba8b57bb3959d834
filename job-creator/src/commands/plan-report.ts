import type { BaseImagePlan } from "../base-images/plan.js";
import type { Config } from "../config/schema.js";
import { packageList, type CacheCoverage, type ContainerDecision } from "../containers/decide.js";
import type { DefinitionsRead } from "../definitions/read.js";
import type { SelectedDefinitions, Selection } from "../definitions/selection.js";
import { baseOf } from "../definitions/types.js";
import { CHAIN_STAGES, includesStage } from "../definitions/stage-range.js";
import { formatImageReference } from "../definitions/image-ref.js";
import type { ProcessSummary } from "../spack-pipeline/assemble.js";

/** The human-readable plan `jc create-jobs` prints: what is built and why. */
export function formatPlan(
  read: DefinitionsRead,
  baseImages: readonly BaseImagePlan[],
  branchNote: string,
): string[] {
  const lines = [`plan (${branchNote})`];
  for (const skipped of read.skipped) lines.push(`  skipped ${skipped}`);
  if (read.architectures.length === 0)
    lines.push("  no container definitions found: nothing to build");
  lines.push("base images:");
  for (const plan of baseImages) {
    const verdict = plan.decision.action === "rebuild" ? "rebuild" : "up to date";
    lines.push(
      `  ${plan.image} for ${plan.arch} (${plan.archTag}): ${verdict}: ${plan.decision.reason}`,
    );
  }
  lines.push("containers:");
  for (const { arch, containers } of read.architectures) {
    for (const c of containers) {
      const base = baseOf(c);
      const what =
        c.kind === "spack"
          ? `Spack environment from ${c.definitionFile}, main spec "${String((c.environment["specs"] as unknown[])[0])}"`
          : `SIF from ${"container" in c.from ? `our ${c.from.container} image` : formatImageReference(c.from)} (${c.definitionFile})`;
      const on = c.kind === "spack" && base ? `, on the ${base.container} image` : "";
      lines.push(`  ${arch}/${c.name}: ${what}${on}`);
    }
  }
  return lines;
}

/** The plan of `jc create-jobs --plan --json`: what the text plan says, for scripts. */
export function planJson(
  read: DefinitionsRead,
  baseImages: readonly BaseImagePlan[],
  branch: string,
  selection: Selection,
  selected: SelectedDefinitions,
) {
  return {
    branch,
    baseImages: baseImages.map((p) => ({
      image: p.image,
      arch: p.arch,
      tag: p.archTag,
      action: p.decision.action,
      reason: p.decision.reason,
    })),
    containers: read.architectures.flatMap(({ arch, containers }) =>
      containers.map((c) => ({
        arch,
        name: c.name,
        kind: c.kind,
        definition: c.definitionFile,
        forced: selection.force === "all" || selection.force.includes(c.name),
      })),
    ),
    leftOut: selected.leftOut,
    cacheCleaningSkipped: [...selected.partial],
    skipped: read.skipped,
  };
}

/** The plan of `jc generate-spacktainer-workflow --plan --json`: each container's steps and why. */
export const decisionsJson = (decisions: readonly ContainerDecision[]) =>
  decisions.map((d) => ({
    name: d.target.name,
    arch: d.target.arch,
    tag: d.target.tag,
    build: d.build?.reason ?? null,
    sif: d.sif?.reason ?? null,
    deploy: d.deploy?.reason ?? null,
    packages: d.packages ? { total: d.packages.total, missingFromCache: d.packages.missing } : null,
    publish: d.publish.map((p) => ({ target: p.target.name, ref: p.ref, reason: p.reason })),
    upToDate: d.upToDate,
  }));

/** What a selected run builds, forces and leaves out, and why; nothing for a full run. */
export function formatSelection(selection: Selection, selected: SelectedDefinitions): string[] {
  const forced = selection.force === "all" ? ["all"] : selection.force;
  if (!selection.only && !selection.arches && forced.length === 0 && !selection.stages) return [];
  const lines = ["selection:"];
  if (selection.stages)
    lines.push(
      `  stages: ${CHAIN_STAGES.filter((s) => includesStage(selection.stages!, s)).join(", ")} (the others use what earlier runs left)`,
    );
  if (selection.arches) lines.push(`  architectures: ${selection.arches.join(", ")}`);
  if (selection.only) lines.push(`  containers: ${selection.only.join(", ")}`);
  if (forced.length > 0)
    lines.push(
      `  forced (rebuilt even when current): ${forced.join(", ")}; their Spack packages ${
        selection.rebuildPackages
          ? "are rebuilt too (SPACK_PRUNE_UP_TO_DATE=False)"
          : "come from the build cache where it has them (--rebuild-packages rebuilds them)"
      }`,
    );
  for (const line of selected.leftOut) lines.push(`  ${line}`);
  for (const arch of selected.partial)
    lines.push(
      `  ${arch}: build cache cleaning skipped (this run sees only the selected containers' lock files)`,
    );
  return lines;
}

/** The plan `jc generate-spacktainer-workflow` prints: one line per container with its steps and why. */
export function formatDecisions(
  decisions: readonly ContainerDecision[],
  onDefaultBranch: boolean,
  config: Config,
): string[] {
  const lines = decisions.map((d) => {
    const steps = [
      d.build && `build (${d.build.reason})`,
      d.sif && `SIF (${d.sif.reason})`,
      d.deploy && `deploy (${d.deploy.reason})`,
      ...d.publish.map((p) => `publish to ${p.target.name} (${p.reason})`),
    ].filter(Boolean);
    const todo = steps.length > 0 ? steps.join("; ") : "up to date";
    return `${d.target.name}:${d.target.tag}: ${todo}${d.packages && d.build ? `; ${coverage(d.packages)}` : ""}`;
  });
  if (!onDefaultBranch && config.publish.length > 0)
    lines.push("publishing is skipped off the default branch");
  return lines;
}

/** What the build cache holds of a container's packages, as the plan says it. */
export function coverage({ total, missing }: CacheCoverage): string {
  if (missing.length === 0) return `all ${total} packages in the build cache's index`;
  return `${total - missing.length} of ${total} packages in the build cache's index (to build: ${packageList(missing)})`;
}

/** The plan `jc process-spack-pipeline` prints: the files, what each waits for, and how long. */
export function formatProcessPlan(summary: ProcessSummary): string[] {
  const lines = [
    `jobs in: ${summary.jobsIn}, jobs out: ${summary.jobsOut}, duplicates removed: ${summary.duplicatesRemoved}, ` +
      `child pipelines: ${summary.childPipelines}, biggest file: ${summary.biggestFileBytes} bytes, ` +
      `${summary.bytesPerJob} bytes per job`,
  ];
  for (const file of summary.files) {
    const after = file.after.length > 0 ? `after ${file.after.join(", ")}` : "starts at once";
    lines.push(`  ${file.bridge}: ${file.file}, ${file.jobs} jobs, ${file.bytes} bytes, ${after}`);
  }
  const { minutes, criticalPathMinutes, longestChain } = summary.estimate;
  if (summary.files.length > 0) {
    const chain = longestChain.join(" -> ");
    lines.push(
      `  longest chain of bridges: ${chain}`,
      `  estimated makespan ${Math.round(minutes)} min with unlimited runners; the dependency graph's ` +
        `critical path ${Math.round(criticalPathMinutes)} min (${(minutes / criticalPathMinutes).toFixed(2)}x)`,
    );
  }
  return lines;
}
