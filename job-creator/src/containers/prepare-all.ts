import { setImmediate as nextTurn } from "node:timers/promises";
import pLimit from "p-limit";
import { settledValues } from "../../../common/src/errors.js";
import { basesFirst } from "../definitions/bases.js";
import { baseOf, type CustomContainer, type SpackContainer } from "../definitions/types.js";
import type { LockSource } from "./lock.js";
import { prepareCustom, prepareSpack, type Preparation } from "./prepare.js";
import type { ContainerTarget, SpackTarget } from "./targets.js";

/**
 * Every container's target and build context, in the order given; `onTarget` hears of each
 * target as soon as it is known, so that its lookups overlap the reading of the others.
 * One container is read at a time, with a turn of the event loop before each: the reading
 * is synchronous (and `spack concretize` heavy on its own), and the lookups in flight send
 * and receive between one container and the next instead of all after the last.
 */
export async function prepareContainers(
  containers: readonly (SpackContainer | CustomContainer)[],
  preparation: Preparation,
  lockSource: LockSource,
  digests: ReadonlyMap<string, Promise<string>>,
  onTarget: (target: ContainerTarget) => void,
) {
  const prepareOne = async (
    container: SpackContainer | CustomContainer,
    basedOn: SpackTarget | undefined,
    digest: string | undefined,
  ) => {
    await nextTurn();
    const prepared =
      container.kind === "spack"
        ? await prepareSpack(container, preparation, lockSource, basedOn)
        : prepareCustom(container, preparation, digest, basedOn);
    onTarget(prepared.target);
    return prepared;
  };
  const inTurn = pLimit(1);
  // A container built on another is prepared once that one's target is known (its tag and
  // labels are part of this one's), a `.def` container once its source's digest is: it
  // takes its turn only then, so waiting never holds up the others.
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
        const digest = await digests.get(container.name);
        return inTurn(() => prepareOne(container, basedOn, digest));
      })(),
    );
  }
  return settledValues(await Promise.allSettled(containers.map((c) => started.get(c.name)!)));
}
