import {
  generateSpacktainerJobName,
  processSpackPipelineJobName,
  spackArtifactsDir,
  spacktainerArtifactsDir,
} from "../../common/src/job-names.js";

/**
 * The jobs of the generated child pipeline whose artifacts hold the files the entry
 * pipeline's per-arch bridges trigger, told apart by the names the generator gives them.
 */
export interface Producer {
  readonly kind: "spack" | "spacktainer";
  /** Folder (inside the job's artifacts) that get-artifacts extracts. */
  readonly folder: (arch: string) => string;
  readonly jobName: (arch: string) => string;
}

export const PRODUCERS: readonly Producer[] = [
  { kind: "spack", folder: spackArtifactsDir, jobName: processSpackPipelineJobName },
  { kind: "spacktainer", folder: spacktainerArtifactsDir, jobName: generateSpacktainerJobName },
];

/** The arch a job name was made for by `jobName`, or undefined when it is another job. */
export function archOfJob(producer: Producer, name: string): string | undefined {
  const marker = "\u0000";
  const [prefix, suffix] = producer.jobName(marker).split(marker) as [string, string];
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const arch = name.slice(prefix.length, name.length - suffix.length);
  return /^[a-z0-9_]+$/.test(arch) ? arch : undefined;
}
