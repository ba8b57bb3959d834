import { join } from "node:path";
import type { Output } from "../../common/src/cli.js";
import { renderPipeline } from "../../common/src/ci/render.js";
import { UserError } from "../../common/src/errors.js";
import { writeFileAtomic } from "../../common/src/atomic-write.js";
import {
  GENERATION_PIPELINE_ID_VARIABLE,
  SPACKTAINER_PIPELINE_FILE,
  SPACK_PIPELINE_FILE,
} from "../../common/src/job-names.js";
import { replaceDirectory } from "../../common/src/replace-dir.js";
import type { JobInfo, PipelineApi } from "./api.js";
import { filesBelow } from "../../common/src/zip-files.js";
import { PRODUCERS, archOfJob, type Producer } from "./producers.js";

export interface CollectOptions {
  /** The entry pipeline, whose bridge started the generated child pipeline. */
  readonly pipelineId: number;
  readonly bridgeName: string;
  /** Archs the entry pipeline has bridges for: each gets its files, if only a no-op. */
  readonly expectedArchs: readonly string[];
  readonly outputDir: string;
  readonly dotenvFile: string;
  /**
   * The jobs the generated pipeline file defines (`--generated-pipeline`): a producer among
   * them that the API does not list is an error, not a no-op.
   */
  readonly definedJobs?: ReadonlySet<string>;
}

/** What each producer file is called; the per-arch bridges include these. */
const TRIGGER_FILES: Record<Producer["kind"], string> = {
  spack: SPACK_PIPELINE_FILE,
  spacktainer: SPACKTAINER_PIPELINE_FILE,
};

/**
 * Finds the bridge, its downstream pipeline and there the producer jobs of every arch,
 * extracts their artifact folders, and writes the dotenv report for the bridges.
 */
export async function collectArtifacts(
  api: PipelineApi,
  opts: CollectOptions,
  output: Output,
): Promise<{ archs: string[] }> {
  const bridges = await api.bridges(opts.pipelineId);
  const bridge = bridges.find((b) => b.name === opts.bridgeName);
  if (!bridge) {
    const names = bridges.map((b) => `"${b.name}"`).join(", ") || "none";
    throw new UserError(
      `pipeline ${opts.pipelineId} has no bridge job "${opts.bridgeName}" (its bridges: ${names}); pass --bridge`,
    );
  }
  if (bridge.downstreamPipelineId === undefined)
    throw new UserError(
      `bridge "${bridge.name}" of pipeline ${opts.pipelineId} started no pipeline (status: ${bridge.status})`,
    );
  const child = bridge.downstreamPipelineId;
  const jobs = await api.jobs(child);
  output.out(
    `pipeline ${opts.pipelineId} -> "${bridge.name}" -> pipeline ${child}: ${jobs.length} jobs`,
  );

  const found = new Map<string, Map<Producer["kind"], JobInfo>>();
  for (const job of jobs) {
    for (const producer of PRODUCERS) {
      const arch = archOfJob(producer, job.name);
      if (!arch) continue;
      if (!found.has(arch)) found.set(arch, new Map());
      found.get(arch)!.set(producer.kind, job);
    }
  }
  const listed = new Set(jobs.map((j) => j.name));
  const missing = [...(opts.definedJobs ?? [])].filter(
    (name) => PRODUCERS.some((p) => archOfJob(p, name)) && !listed.has(name),
  );
  if (missing.length > 0) {
    const names = [...listed].sort();
    const shown = names
      .slice(0, 15)
      .map((n) => `"${n}"`)
      .join(", ");
    throw new UserError(
      `pipeline ${child} has no job ${missing.map((n) => `"${n}"`).join(", ")}, which the generated pipeline defines; ` +
        `its ${names.length} jobs: ${shown || "none"}${names.length > 15 ? ", ..." : ""}`,
    );
  }
  const archs = [...new Set([...found.keys(), ...opts.expectedArchs])].sort();
  const failed = [...found.values()]
    .flatMap((m) => [...m.values()])
    .filter((j) => j.status !== "success");
  if (failed.length > 0)
    throw new UserError(
      `pipeline ${child}: ${failed.map((j) => `"${j.name}" is ${j.status}`).join(", ")}; its files cannot be used`,
    );

  for (const arch of archs) {
    for (const producer of PRODUCERS) {
      const folder = producer.folder(arch);
      const job = found.get(arch)?.get(producer.kind);
      const files = job
        ? await extractJob(api, job, folder)
        : new Map([[TRIGGER_FILES[producer.kind], noopPipeline(arch, producer)]]);
      if (job && !files.has(TRIGGER_FILES[producer.kind]))
        throw new UserError(
          `job "${job.name}" (${job.id}) has no ${folder}/${TRIGGER_FILES[producer.kind]} in its artifacts`,
        );
      await replaceDirectory(join(opts.outputDir, folder), files, {
        repoRoot: opts.outputDir,
        inputs: [],
      });
      output.out(
        job
          ? `${folder}/: ${files.size} files from "${job.name}" (job ${job.id})`
          : `${folder}/: nothing to do (no "${producer.jobName(arch)}" in pipeline ${child})`,
      );
    }
  }
  const dotenv = [
    `${GENERATION_PIPELINE_ID_VARIABLE}=${child}`,
    ...archs.map(
      (arch) => `SPACKTAINERS_ARCH_${arch.toUpperCase()}=${found.has(arch) ? "generated" : "noop"}`,
    ),
  ];
  await writeFileAtomic(join(opts.outputDir, opts.dotenvFile), dotenv.join("\n") + "\n");
  return { archs };
}

async function extractJob(api: PipelineApi, job: JobInfo, folder: string) {
  if (!job.hasArtifacts)
    throw new UserError(`job "${job.name}" (${job.id}) has no artifacts: did they expire?`);
  const archive = await api.artifacts(job.id);
  return filesBelow(archive, folder, `job "${job.name}" (${job.id})`);
}

/** The file a bridge triggers when an arch has nothing of that kind: one job that says so. */
function noopPipeline(arch: string, producer: Producer): string {
  return renderPipeline({
    stages: ["noop"],
    jobs: {
      [`nothing to do for ${arch}`]: {
        stage: "noop",
        variables: { GIT_STRATEGY: "none" },
        script: [
          `echo "No ${producer.kind === "spack" ? "Spack environments" : "containers"} of ${arch} to build."`,
        ],
      },
    },
  });
}
