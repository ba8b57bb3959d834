import pLimit from "p-limit";
import { settledValues } from "../../../common/src/errors.js";
import { basesFirst } from "../definitions/bases.js";
import { baseOf, type CustomContainer, type SpackContainer } from "../definitions/types.js";
import type { LockSource } from "./lock.js";
import { prepareCustom, prepareSpack, type Preparation } from "./prepare.js";
import type { ContainerTarget, SpackTarget } from "./targets.js";

/** Containers read at once when their lock files are read (not concretized). */
const PREPARED_AT_ONCE = 8;

/**
 * Every container's target and build context, in the order given; `onTarget` hears of each
 * target as soon as it is known, so that its lookups overlap the reading of the others.
 * Several containers are read at a time when their lock files are read (their reads wait on
 * the disk and on the event loop, which the lookups in flight keep busy); one at a time when
 * each runs `spack concretize`, which is heavy on its own.
 */
export async function prepareContainers(
  containers: readonly (SpackContainer | CustomContainer)[],
  preparation: Preparation,
  lockSource: LockSource,
  digests: Promise<ReadonlyMap<string, string>>,
  onTarget: (target: ContainerTarget) => void,
) {
  const prepareOne = async (
    container: SpackContainer | CustomContainer,
    basedOn: SpackTarget | undefined,
  ) => {
    const prepared =
      container.kind === "spack"
        ? await prepareSpack(container, preparation, lockSource, basedOn)
        : await prepareCustom(container, preparation, (await digests).get(container.name), basedOn);
    onTarget(prepared.target);
    return prepared;
  };
  const limit = pLimit(lockSource.kind === "dir" ? PREPARED_AT_ONCE : 1);
  // A container built on another is prepared once that one's target is known (its tag and
  // labels are part of this one's); it takes a place in the limit only then, so waiting
  // never holds one.
  const started = new Map<string, ReturnType<typeof prepareOne>>();
  for (const container of basesFirst(containers)) {
    const base = baseOf(container);
    const onBase = base && started.get(base.container);
    if (base && !onBase)
      throw new Error(`${container.name} builds on ${base.container}, which was not selected`);
    started.set(
      container.name,
      (async () => {
        const basedOn = onBase && ((await onBase).target as SpackTarget);
        return limit(() => prepareOne(container, basedOn));
      })(),
    );
  }
  return settledValues(await Promise.allSettled(containers.map((c) => started.get(c.name)!)));
}
