import { escapeControls } from "../../../common/src/control-characters.js";
import type { PublishTargetConfig } from "../config/schema.js";
import { differingLabels } from "../registry/labels.js";
import { imageRef, NOT_ASKED, publishRef, type WorkflowFacts } from "./facts.js";
import {
  CHECKSUM_INPUTS,
  inputLabel,
  inputMetadataKey,
  type ChecksumInput,
  type ContainerTarget,
} from "./targets.js";

type Labels = Readonly<Record<string, string>>;

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
  /** Copy the SIF file to the arch's deploy folder (see `withDeploy`). */
  readonly deploy?: Step;
  /** A Spack container's packages the build cache lacks (see `withCacheCoverage`). */
  readonly packages?: CacheCoverage;
  /** Why the steps left out were left out, for the plan output. */
  readonly upToDate: readonly string[];
}

/**
 * The plan of one container, from facts gathered beforehand (pure): build when our
 * image's labels differ, publish where a copy differs, convert when the SIF file's
 * metadata differ or, where its metadata were not asked for, when the image is rebuilt;
 * unchecked facts (offline) plan every step.
 */
export function decideContainer(
  target: ContainerTarget,
  publishTargets: readonly PublishTargetConfig[],
  facts: WorkflowFacts,
  forced = false,
): ContainerDecision {
  if (forced) return forcedDecision(target, publishTargets);
  const upToDate: string[] = [];
  const notChecked = facts.checked ? undefined : "not checked (offline)";
  let build: Step | undefined;
  const publish: PublishStep[] = [];
  if (target.kind === "spack") {
    const found = facts.image(imageRef(target.repository, target.tag), target.arch);
    const difference = compare(
      target.labels,
      found,
      "image",
      changedInputs(target, found, inputLabel),
    );
    if (difference) build = { reason: notChecked ?? difference };
    else upToDate.push(`image ${target.tag}: labels match`);

    for (const destination of publishTargets) {
      const remote = publishRef(destination, target.name, target.tag);
      const differs = compare(
        target.labels,
        facts.image(remote, target.arch),
        `image on ${destination.name}`,
      );
      if (differs)
        publish.push({ target: destination, ref: remote, reason: notChecked ?? differs });
      else upToDate.push(`${destination.name}: labels match`);
    }
  }
  const sifFound = facts.sif(target.arch, target.sifKey);
  const sifDifference =
    sifFound === NOT_ASKED
      ? "made from the new image"
      : compare(
          target.sifMetadata,
          sifFound,
          "SIF file",
          changedInputs(target, sifFound, inputMetadataKey),
        );
  const sif = sifDifference ? { reason: notChecked ?? sifDifference } : undefined;
  if (!sif) upToDate.push(`SIF file: metadata match`);
  return { target, ...(build ? { build } : {}), ...(sif ? { sif } : {}), publish, upToDate };
}

/** `--force`: every step, current or not; the new image differs from every copy. */
function forcedDecision(
  target: ContainerTarget,
  publishTargets: readonly PublishTargetConfig[],
): ContainerDecision {
  const reason = "forced (--force)";
  if (target.kind !== "spack") return { target, sif: { reason }, publish: [], upToDate: [] };
  return {
    target,
    build: { reason },
    sif: { reason },
    publish: publishTargets.map((destination) => ({
      target: destination,
      ref: publishRef(destination, target.name, target.tag),
      reason,
    })),
    upToDate: [],
  };
}

/**
 * Says how `found` differs from `expected`, or undefined when every expected key matches;
 * `changed` names the inputs behind a changed checksum, when the found side recorded them.
 */
function compare(
  expected: Labels,
  found: Labels | undefined,
  what: string,
  changed: readonly string[] = [],
): string | undefined {
  if (!found) return `${what} missing`;
  const differing = differingLabels(expected, found);
  if (differing.length === 0) return undefined;
  const why = changed.length > 0 ? ` (changed: ${changed.join("; ")})` : "";
  return `${what} differs: ${differing.map((key) => `${key} ${short(found[key])} -> ${short(expected[key])}`).join(", ")}${why}`;
}

/**
 * The inputs whose digests the found image or SIF file recorded differently (pure). Images
 * built before the digests were recorded carry none: then nothing is named.
 */
export function changedInputs(
  target: ContainerTarget,
  found: Labels | undefined,
  key: (input: ChecksumInput) => string,
): string[] {
  if (!found) return [];
  return (Object.entries(target.inputs) as [ChecksumInput, string][])
    .filter(([input, digest]) => found[key(input)] !== undefined && found[key(input)] !== digest)
    .map(([input]) => CHECKSUM_INPUTS[input]);
}

/** A found value as a plan line shows it: whoever pushed the image or the file chose it. */
const short = (value: string | undefined) =>
  value === undefined
    ? "unset"
    : escapeControls(value.length > 16 ? `${value.slice(0, 12)}…` : value);

/** A new SIF file is copied to the deploy folder of an arch that has one. */
export const DEPLOY_REASON = "a new SIF file";

/** The decision with its deploy step: every new SIF file, where the arch deploys (pure). */
export const withDeploy = (decision: ContainerDecision, deploys: boolean): ContainerDecision =>
  deploys && decision.sif ? { ...decision, deploy: { reason: DEPLOY_REASON } } : decision;

/** How much of a Spack container's lock file the build cache holds. */
export interface CacheCoverage {
  readonly total: number;
  /** Names of the packages the cache lacks, sorted. */
  readonly missing: readonly string[];
}

/**
 * The decision with what the build cache buckets it installs from lack of its packages
 * (pure); unchanged where a bucket's index is unknown, or for `.def` containers.
 */
export function withCacheCoverage(
  decision: ContainerDecision,
  cached: readonly (ReadonlySet<string> | undefined)[],
): ContainerDecision {
  const { target } = decision;
  if (target.kind !== "spack" || cached.length === 0 || cached.some((c) => c === undefined))
    return decision;
  const missing = [...target.specs]
    .filter(([hash]) => !cached.some((set) => set!.has(hash)))
    .map(([, name]) => name)
    .sort();
  return { ...decision, packages: { total: target.specs.size, missing } };
}

/** Package names for a plan line: each once, the first eight. */
export function packageList(names: readonly string[]): string {
  const unique = [...new Set(names)];
  return (
    unique.slice(0, 8).join(", ") + (unique.length > 8 ? `, and ${unique.length - 8} more` : "")
  );
}
