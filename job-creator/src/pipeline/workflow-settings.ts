import type { Architecture } from "../config/architecture.js";

/* The names of the container pipeline's jobs, its stages, and what its jobs build on. */

export const buildContainerJobName = (name: string, arch: string) =>
  `build ${name} container for ${arch}`;
export const sifJobName = (name: string, arch: string) => `create ${name} sif file for ${arch}`;
export const publishJobName = (name: string, target: string, arch: string) =>
  `publish ${name} to ${target} for ${arch}`;
export const deployJobName = (name: string, arch: string) => `deploy ${name} sif file for ${arch}`;
export const nothingToDoJobName = (arch: string) => `containers of ${arch} are up to date`;

export const WORKFLOW_STAGES = ["archive", "build", "sif", "publish", "deploy"] as const;

/** What the container jobs of one arch build on, and where their build contexts are. */
export interface WorkflowSettings {
  readonly arch: Architecture;
  /** Folder of the build contexts inside the gathered artifacts, e.g. spacktainer.artifacts.amd64. */
  readonly artifactsDir: string;
  readonly builderImage: string;
  readonly runtimeImage: string;
  readonly singularitahImage: string;
}
