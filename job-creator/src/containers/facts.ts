import type { PublishTargetConfig } from "../config/schema.js";
import type { ContainerTarget } from "./targets.js";

type Labels = Readonly<Record<string, string>>;

/**
 * What the workflow asks of the registries and the containers bucket (the I/O side).
 * Every answer is the labels/metadata found or undefined for "not there"; errors
 * propagate (a refused login is never taken for a missing image).
 */
export interface WorkflowChecks {
  /** Labels of the image for `arch` behind `ref` (CI variables already expanded by the checker). */
  imageLabels(ref: string, arch: string): Promise<Labels | undefined>;
  /** User metadata of a SIF object in the arch's containers bucket. */
  sifMetadata(arch: string, key: string): Promise<Labels | undefined>;
}

/** One lookup a container's plan needs. */
export type FactRequest =
  | { readonly kind: "image"; readonly ref: string; readonly arch: string }
  | { readonly kind: "sif"; readonly arch: string; readonly key: string };

/**
 * Everything the decisions read, gathered before any is made: `checked` is false offline,
 * where nothing was asked and every answer is unknown.
 */
export interface WorkflowFacts {
  readonly checked: boolean;
  image(ref: string, arch: string): Labels | undefined;
  sif(arch: string, key: string): Labels | undefined;
}

export const imageRef = (repository: string, tag: string) => `${repository}:${tag}`;
export const publishRef = (target: PublishTargetConfig, name: string, tag: string) =>
  `${target.registry}/${target.namespace}/${name}:${tag}`;

/** The lookups the plan of `target` needs: its image, each publish copy, its SIF file. */
export function factsNeeded(
  target: ContainerTarget,
  publishTargets: readonly PublishTargetConfig[],
): FactRequest[] {
  const sif: FactRequest = { kind: "sif", arch: target.arch, key: target.sifKey };
  if (target.kind !== "spack") return [sif];
  return [
    { kind: "image", ref: imageRef(target.repository, target.tag), arch: target.arch },
    ...publishTargets.map((p): FactRequest => ({
      kind: "image",
      ref: publishRef(p, target.name, target.tag),
      arch: target.arch,
    })),
    sif,
  ];
}

const keyOf = (r: FactRequest) =>
  r.kind === "image" ? `image\0${r.arch}\0${r.ref}` : `sif\0${r.arch}\0${r.key}`;

/**
 * Asks every lookup at once (each once, however many plans need it): how many run at a
 * time is the services' one limit for the whole run, not a queue per container.
 */
export async function gatherFacts(
  requests: readonly FactRequest[],
  checks: WorkflowChecks,
): Promise<WorkflowFacts> {
  const unique = new Map(requests.map((r) => [keyOf(r), r]));
  const answers = new Map<string, Labels | undefined>();
  await Promise.all(
    [...unique].map(async ([key, r]) => {
      const found =
        r.kind === "image"
          ? await checks.imageLabels(r.ref, r.arch)
          : await checks.sifMetadata(r.arch, r.key);
      answers.set(key, found);
    }),
  );
  const answer = (r: FactRequest) => {
    const key = keyOf(r);
    if (!answers.has(key)) throw new Error(`no fact was gathered for ${key.replaceAll("\0", " ")}`);
    return answers.get(key);
  };
  return {
    checked: true,
    image: (ref, arch) => answer({ kind: "image", ref, arch }),
    sif: (arch, key) => answer({ kind: "sif", arch, key }),
  };
}

/** Offline: nothing asked, nothing known; every plan builds everything. */
export const UNCHECKED_FACTS: WorkflowFacts = {
  checked: false,
  image: () => undefined,
  sif: () => undefined,
};
