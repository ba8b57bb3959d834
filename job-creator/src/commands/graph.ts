import { basename, dirname, join } from "node:path";
import { existsSync } from "node:fs";
import type { Output } from "../../../common/src/cli.js";
import { jobCount, mermaidMarkdown, pipelineMermaid } from "../../../common/src/ci/mermaid.js";
import { resolveExtends } from "../../../common/src/ci/extends.js";
import { isJobKey, type CiEntry, type CiPipeline } from "../../../common/src/ci/types.js";
import { InputError } from "../../../common/src/errors.js";
import { isMapping } from "../../../common/src/mapping.js";
import { loadPipelineDocument, readTextFileSync } from "../../../common/src/yaml-io.js";
import { writeFileAtomic } from "../../../common/src/atomic-write.js";
import { checkOutputFiles } from "../../../common/src/output-files.js";

/** Generated pipelines reach hundreds of KB; far more is not a pipeline GitLab would take. */
const MAX_PIPELINE_BYTES = { maxBytes: 16 << 20, setting: "a pipeline file's size" };

export interface GraphOptions {
  readonly file: string;
  /** Where to write the Markdown; standard output without it. */
  readonly outputFile?: string;
  readonly maxJobsPerGroup?: number;
}

/** `jc graph`: a pipeline file as a Mermaid diagram in Markdown, bridges noting their child files' job counts. */
export async function graphPipeline(opts: GraphOptions, output: Output): Promise<void> {
  const pipeline = readPipeline(opts.file);
  const read = [opts.file];
  const folder = dirname(opts.file);
  // A bridge's file is an artifact path; the generated folders keep it beside the trigger file.
  const notes = new Map<string, string>();
  for (const entry of Object.values(pipeline.jobs)) {
    if (!("trigger" in entry)) continue;
    for (const include of entry.trigger.include) {
      const artifact = "artifact" in include ? include.artifact : include.local;
      const child = join(folder, basename(artifact));
      if (!existsSync(child)) continue;
      const jobs = Object.keys(readPipeline(child).jobs).length;
      read.push(child);
      notes.set(artifact, jobCount(jobs));
    }
  }
  const diagram = pipelineMermaid(pipeline, {
    bridgeNote: (artifact) => notes.get(artifact),
    ...(opts.maxJobsPerGroup ? { maxJobsPerGroup: opts.maxJobsPerGroup } : {}),
  });
  const markdown = mermaidMarkdown(basename(opts.file), diagram);
  if (!opts.outputFile) {
    output.out(markdown.trimEnd());
    return;
  }
  await checkOutputFiles(
    [{ flag: "--output", path: opts.outputFile }],
    read.map((path) => ({ path, what: "a pipeline file" })),
  );
  await writeFileAtomic(opts.outputFile, markdown);
}

/** A pipeline file read into the model: its stages and jobs, with what they take from templates. */
function readPipeline(file: string): CiPipeline {
  const text = readTextFileSync(file, file, MAX_PIPELINE_BYTES);
  const loaded = loadPipelineDocument(text);
  if ("problem" in loaded) throw new InputError([{ file, message: loaded.problem }]);
  const { doc } = loaded;
  const jobs: Record<string, CiEntry> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!isJobKey(key) || !isMapping(value)) continue;
    try {
      jobs[key] = resolveExtends(doc, value) as unknown as CiEntry;
    } catch (error) {
      throw new InputError([{ file, message: `${key}: ${(error as Error).message}` }]);
    }
  }
  const stages = Array.isArray(doc["stages"])
    ? doc["stages"].filter((s): s is string => typeof s === "string")
    : undefined;
  return { ...(stages ? { stages } : {}), jobs };
}
