import { isBridge, isJobKey, localNeedTarget, type CiEntry, type CiPipeline } from "./types.js";

/**
 * A pipeline as a Mermaid flowchart, which GitLab renders in Markdown: one box per stage,
 * the jobs in it, an arrow per `needs` (a stage's jobs without needs wait for the stage
 * before, drawn stage to stage), bridges as subroutine shapes naming the file they run.
 * Where a stage holds many jobs of one architecture (200 containers), they are one node
 * that says how many, so the picture stays readable.
 */
export interface MermaidOptions {
  /** Jobs of one stage and architecture drawn one by one up to this many; more are one node. */
  readonly maxJobsPerGroup?: number;
  /** A note on a bridge's node, e.g. how many jobs the child file holds. */
  readonly bridgeNote?: (file: string) => string | undefined;
}

const DEFAULT_MAX_JOBS = 8;

interface Node {
  readonly id: string;
  readonly stage: string;
  readonly label: string;
  readonly shape: "job" | "bridge" | "group";
}

export function pipelineMermaid(pipeline: CiPipeline, options: MermaidOptions = {}): string {
  const max = options.maxJobsPerGroup ?? DEFAULT_MAX_JOBS;
  // By name: the picture does not depend on the order a file lists its jobs in.
  const jobs = Object.entries(pipeline.jobs)
    .filter(([name]) => isJobKey(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const stages = [...new Set([...(pipeline.stages ?? []), ...jobs.map(([, j]) => stageOf(j))])];
  const nodeOf = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const stage of stages) {
    const inStage = jobs.filter(([, job]) => stageOf(job) === stage);
    for (const [arch, group] of groupByArch(inStage)) {
      if (group.length > max) {
        const node: Node = {
          id: `n${nodes.length}`,
          stage,
          label: `${jobCount(group.length)}${arch ? ` for ${arch}` : ""}`,
          shape: "group",
        };
        nodes.push(node);
        for (const [name] of group) nodeOf.set(name, node);
        continue;
      }
      for (const [name, job] of group) {
        const bridge = isBridge(job) ? job : undefined;
        const file = bridge?.trigger.include
          .map((i) => ("artifact" in i ? i.artifact : i.local))
          .join(", ");
        const note = file ? options.bridgeNote?.(file) : undefined;
        const node: Node = {
          id: `n${nodes.length}`,
          stage,
          label: file ? `${name}<br/>${file}${note ? `<br/>${note}` : ""}` : name,
          shape: bridge ? "bridge" : "job",
        };
        nodes.push(node);
        nodeOf.set(name, node);
      }
    }
  }

  const lines = ["flowchart LR"];
  const stageIds = new Map(stages.map((stage, i) => [stage, `s${i}`]));
  for (const stage of stages) {
    const members = nodes.filter((n) => n.stage === stage);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${stageIds.get(stage)}["${text(stage)}"]`, "    direction TB");
    for (const node of members) lines.push(`    ${node.id}${shape(node)}`);
    lines.push("  end");
  }
  const edges = new Set<string>();
  const used = stages.filter((s) => nodes.some((n) => n.stage === s));
  for (const [name, job] of jobs) {
    const to = nodeOf.get(name)!;
    const needs = job.needs;
    if (needs === undefined) {
      // No needs: the job waits for every stage before its own.
      const before = used[used.indexOf(to.stage) - 1];
      if (before) edges.add(`  ${stageIds.get(before)} --> ${to.id}`);
      continue;
    }
    for (const need of needs) {
      const target = localNeedTarget(need);
      const from = target === undefined ? undefined : nodeOf.get(target);
      if (from && from !== to) edges.add(`  ${from.id} --> ${to.id}`);
    }
  }
  lines.push(...edges);
  return lines.join("\n") + "\n";
}

/** The Markdown file written beside a pipeline: a title and the diagram. */
export function mermaidMarkdown(title: string, diagram: string): string {
  return `# ${title}\n\n\`\`\`mermaid\n${diagram}\`\`\`\n`;
}

export const jobCount = (n: number) => `${n} job${n === 1 ? "" : "s"}`;

/** Where the picture of a pipeline file goes: beside it, `.md` for `.yaml`/`.yml`. */
export const pictureFile = (pipelineFile: string) => pipelineFile.replace(/\.ya?ml$/, "") + ".md";

const stageOf = (job: CiEntry) => job.stage ?? "test";

/** Jobs by the architecture their name ends with (" for amd64"), in order; "" for the rest. */
function groupByArch(jobs: readonly [string, CiEntry][]): Map<string, [string, CiEntry][]> {
  const groups = new Map<string, [string, CiEntry][]>();
  for (const entry of jobs) {
    const arch = / for ([a-z0-9_]+)$/.exec(entry[0])?.[1] ?? "";
    groups.set(arch, [...(groups.get(arch) ?? []), entry]);
  }
  return groups;
}

function shape(node: Node): string {
  const label = `"${text(node.label)}"`;
  if (node.shape === "bridge") return `[[${label}]]`;
  if (node.shape === "group") return `[(${label})]`;
  return `[${label}]`;
}

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities, <br/> kept. */
const text = (value: string) =>
  value
    .split("<br/>")
    .map((part) =>
      part
        .replace(/[\r\n]+/g, " ")
        .replace(/&/g, "#amp;")
        .replace(/"/g, "#quot;")
        .replace(/</g, "#lt;")
        .replace(/>/g, "#gt;"),
    )
    .join("<br/>");
