import { settledValues } from "../../../common/src/errors.js";
import type { Config, PublishTargetConfig } from "../config/schema.js";
import type { CustomContainer, SpackContainer } from "../definitions/types.js";
import { carriesLabels } from "../registry/labels.js";
import type { Architecture } from "../config/architecture.js";
import type { TagScheme } from "./tags.js";
import {
  containerRepository,
  customTag,
  imageRef,
  sifKey,
  type ContainerTarget,
} from "./targets.js";

type Labels = Readonly<Record<string, string>>;

/**
 * What the workflow asks of the registries and the containers bucket (the I/O side).
 * Every answer is the labels/metadata found or undefined for "not there"; errors
 * propagate (a refused login is never taken for a missing image).
 */
export interface WorkflowChecks {
  /**
   * The image repositories (`host/path`, CI variables unexpanded) the run will read, told
   * before any lookup: a registry asking for bearer tokens grants many in one request.
   */
  willRead?(repositories: readonly string[]): void;
  /** Labels of the image for `arch` behind `ref` (CI variables already expanded by the checker). */
  imageLabels(ref: string, arch: string): Promise<Labels | undefined>;
  /** User metadata of a SIF object in the arch's containers bucket. */
  sifMetadata(arch: string, key: string): Promise<Labels | undefined>;
  /**
   * The hashes of the specs a Spack build cache bucket of the arch holds, by its index;
   * undefined when it has no readable index (advice only: nothing is decided on it alone).
   */
  cachedSpecs?(arch: string, bucket: string): Promise<ReadonlySet<string> | undefined>;
}

/** One lookup a container's plan needs. */
export type FactRequest =
  | { readonly kind: "image"; readonly ref: string; readonly arch: string }
  | {
      readonly kind: "sif";
      readonly arch: string;
      readonly key: string;
      /**
       * Asked only once the image behind `ref` is found carrying `labels`: when it is not,
       * the image is rebuilt and its SIF file made anew, whatever the bucket holds.
       */
      readonly whenImageCurrent?: { readonly ref: string; readonly labels: Labels };
    }
  | { readonly kind: "cache"; readonly arch: string; readonly bucket: string };

/** The answer for a SIF file that was not asked for, as its image is rebuilt. */
export const NOT_ASKED = Symbol("not asked: the image is rebuilt");

/**
 * Everything the decisions read, gathered before any is made: `checked` is false offline,
 * where nothing was asked and every answer is unknown.
 */
export interface WorkflowFacts {
  readonly checked: boolean;
  image(ref: string, arch: string): Labels | undefined;
  sif(arch: string, key: string): Labels | undefined | typeof NOT_ASKED;
  /** The specs each of the given cache buckets holds; undefined where unknown. */
  cache(arch: string, bucket: string): ReadonlySet<string> | undefined;
}

export { imageRef };
const publishRepository = (target: PublishTargetConfig, name: string) =>
  `${target.registry}/${target.namespace}/${name}`;
export const publishRef = (target: PublishTargetConfig, name: string, tag: string) =>
  imageRef(publishRepository(target, name), tag);

/**
 * Every image repository the run reads for `containers`: a Spack container's own and each
 * publish copy, a `.def` file's source image.
 */
export function repositoriesRead(
  config: Config,
  containers: readonly (SpackContainer | CustomContainer)[],
  publishTargets: readonly PublishTargetConfig[],
): string[] {
  return containers.flatMap((c) => {
    if (c.kind === "spack")
      return [
        containerRepository(config, c.name),
        ...publishTargets.map((p) => publishRepository(p, c.name)),
      ];
    // A `.def` file's source image (one built on our containers is read as that container).
    return "container" in c.from ? [] : [`${c.from.registry}/${c.from.repository}`];
  });
}

/**
 * What the plan of a `.def` container whose source image is looked up needs that the
 * source's digest does not change: its SIF file, keyed by the tag. Asked beside the digest,
 * not after it; `factsNeeded` of the target asks the same once the digest is known.
 */
export function factsBeforeDigest(
  container: CustomContainer,
  arch: Architecture,
  scheme: TagScheme,
): FactRequest[] {
  const key = sifKey(arch, container.name, customTag(container, scheme, undefined));
  return [{ kind: "sif", arch: container.arch, key }];
}

/**
 * The lookups the plan of `target` needs: its image, each publish copy, its SIF file, and
 * the build cache buckets its packages are installed from. Where the run builds images
 * (`builds`), a Spack container's SIF file is asked for only when its image is current: a
 * rebuilt image is converted anew, so the answer would not change the plan.
 */
export function factsNeeded(
  target: ContainerTarget,
  publishTargets: readonly PublishTargetConfig[],
  cacheBuckets: readonly string[] = [],
  builds = true,
): FactRequest[] {
  const sif = { kind: "sif", arch: target.arch, key: target.sifKey } as const;
  if (target.kind !== "spack") return [sif];
  const ref = imageRef(target.repository, target.tag);
  return [
    { kind: "image", ref, arch: target.arch },
    ...publishTargets.map((p): FactRequest => ({
      kind: "image",
      ref: publishRef(p, target.name, target.tag),
      arch: target.arch,
    })),
    builds ? { ...sif, whenImageCurrent: { ref, labels: target.labels } } : sif,
    ...cacheBuckets.map((bucket): FactRequest => ({ kind: "cache", arch: target.arch, bucket })),
  ];
}

const keyOf = (r: FactRequest) =>
  r.kind === "image"
    ? `image\0${r.arch}\0${r.ref}`
    : r.kind === "sif"
      ? `sif\0${r.arch}\0${r.key}`
      : `cache\0${r.arch}\0${r.bucket}`;

/**
 * Starts lookups as soon as they are known (each once, however many plans need it), so
 * that they overlap the reading of the next containers; `facts()` waits for all of them.
 * How many run at a time is the services' one limit for the whole run, not a queue per
 * container. A failed lookup fails `facts()` (the first failure in the order asked), never
 * the process in between.
 */
export class FactGatherer {
  private readonly answers = new Map<string, Promise<unknown>>();

  constructor(private readonly checks: WorkflowChecks) {}

  ask(requests: readonly FactRequest[]): void {
    for (const r of requests) {
      const key = keyOf(r);
      if (this.answers.has(key)) continue;
      const answer =
        r.kind === "image"
          ? this.checks.imageLabels(r.ref, r.arch)
          : r.kind === "sif"
            ? this.sifAnswer(r)
            : (this.checks.cachedSpecs?.(r.arch, r.bucket) ?? Promise.resolve(undefined));
      answer.catch(() => undefined); // reported by facts(), not as an unhandled rejection
      this.answers.set(key, answer);
    }
  }

  private sifAnswer(r: Extract<FactRequest, { kind: "sif" }>): Promise<unknown> {
    const condition = r.whenImageCurrent;
    if (!condition) return this.checks.sifMetadata(r.arch, r.key);
    const image: FactRequest = { kind: "image", ref: condition.ref, arch: r.arch };
    this.ask([image]);
    // A failed image lookup fails this one too; facts() reports the image's, asked first.
    const found = this.answers.get(keyOf(image)) as Promise<Labels | undefined>;
    return (async () =>
      carriesLabels(condition.labels, await found)
        ? this.checks.sifMetadata(r.arch, r.key)
        : NOT_ASKED)();
  }

  async facts(): Promise<WorkflowFacts> {
    const keys = [...this.answers.keys()];
    // Settled in the order asked: which failure is reported never depends on timing.
    const values = settledValues(await Promise.allSettled(this.answers.values()));
    const answers = new Map(keys.map((key, i) => [key, values[i]]));
    const answer = (r: FactRequest) => {
      const key = keyOf(r);
      if (!answers.has(key))
        throw new Error(`no fact was gathered for ${key.replaceAll("\0", " ")}`);
      return answers.get(key);
    };
    return {
      checked: true,
      image: (ref, arch) => answer({ kind: "image", ref, arch }) as Labels | undefined,
      sif: (arch, key) =>
        answer({ kind: "sif", arch, key }) as Labels | undefined | typeof NOT_ASKED,
      cache: (arch, bucket) =>
        answer({ kind: "cache", arch, bucket }) as ReadonlySet<string> | undefined,
    };
  }
}

/** Every lookup of `requests` at once, then the facts. */
export function gatherFacts(
  requests: readonly FactRequest[],
  checks: WorkflowChecks,
): Promise<WorkflowFacts> {
  const gatherer = new FactGatherer(checks);
  gatherer.ask(requests);
  return gatherer.facts();
}

/** Offline: nothing asked, nothing known; every plan builds everything. */
export const UNCHECKED_FACTS: WorkflowFacts = {
  checked: false,
  image: () => undefined,
  sif: () => undefined,
  cache: () => undefined,
};
