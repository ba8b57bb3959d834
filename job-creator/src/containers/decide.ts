import type { PublishTargetConfig } from "../config/schema.js";
import type { ContainerTarget } from "./targets.js";

type Labels = Readonly<Record<string, string>>;

/**
 * What the workflow asks of the registries and the containers bucket. Every answer is
 * either the labels/metadata found or undefined for "not there"; errors propagate (a
 * refused login is never taken for a missing image).
 */
export interface WorkflowChecks {
  /** False when nothing is asked (offline): everything counts as missing. */
  readonly online: boolean;
  /** Labels of the image for `arch` behind `ref` (CI variables already expanded by the checker). */
  imageLabels(ref: string, arch: string): Promise<Labels | undefined>;
  /** User metadata of a SIF object in the arch's containers bucket. */
  sifMetadata(arch: string, key: string): Promise<Labels | undefined>;
}

export interface Step {
  readonly reason: string;
}

export interface PublishStep extends Step {
  readonly target: PublishTargetConfig;
  readonly ref: string;
}

/** What to do for one container, with why; a missing step means it is up to date. */
export interface ContainerDecision {
  readonly target: ContainerTarget;
  readonly build?: Step;
  readonly sif?: Step;
  readonly publish: readonly PublishStep[];
  /** Why the steps left out were left out, for the plan output. */
  readonly upToDate: readonly string[];
}

export const imageRef = (repository: string, tag: string) => `${repository}:${tag}`;
export const publishRef = (target: PublishTargetConfig, name: string, tag: string) =>
  `${target.registry}/${target.namespace}/${name}:${tag}`;

export async function decideContainer(
  target: ContainerTarget,
  publishTargets: readonly PublishTargetConfig[],
  checks: WorkflowChecks,
): Promise<ContainerDecision> {
  const upToDate: string[] = [];
  const notChecked = checks.online ? undefined : "not checked (offline)";
  let build: Step | undefined;
  const publish: PublishStep[] = [];
  if (target.kind === "spack") {
    const ref = imageRef(target.repository, target.tag);
    const found = notChecked ? undefined : await checks.imageLabels(ref, target.arch);
    const difference = compare(target.labels, found, "image");
    if (difference) build = { reason: notChecked ?? difference };
    else upToDate.push(`image ${target.tag}: labels match`);

    for (const destination of publishTargets) {
      const remote = publishRef(destination, target.name, target.tag);
      const there = notChecked ? undefined : await checks.imageLabels(remote, target.arch);
      const differs = compare(target.labels, there, `image on ${destination.name}`);
      if (differs)
        publish.push({ target: destination, ref: remote, reason: notChecked ?? differs });
      else upToDate.push(`${destination.name}: labels match`);
    }
  }
  const metadata = notChecked ? undefined : await checks.sifMetadata(target.arch, target.sifKey);
  const sifDifference = compare(target.sifMetadata, metadata, "SIF file");
  const sif = sifDifference ? { reason: notChecked ?? sifDifference } : undefined;
  if (!sif) upToDate.push(`SIF file: metadata match`);
  return { target, ...(build ? { build } : {}), ...(sif ? { sif } : {}), publish, upToDate };
}

/** Says how `found` differs from `expected`, or undefined when every expected key matches. */
function compare(expected: Labels, found: Labels | undefined, what: string): string | undefined {
  if (!found) return `${what} missing`;
  const differing = Object.keys(expected).filter((key) => found[key] !== expected[key]);
  if (differing.length === 0) return undefined;
  return `${what} differs: ${differing.map((key) => `${key} ${short(found[key])} -> ${short(expected[key])}`).join(", ")}`;
}

const short = (value: string | undefined) =>
  value === undefined ? "unset" : value.length > 16 ? `${value.slice(0, 12)}…` : value;
