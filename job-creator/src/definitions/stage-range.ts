import { InputError } from "../../../common/src/errors.js";

/*
 * Start from, stop after: the part of the chain a run generates. A run that starts later
 * uses what earlier runs left (base images in the registry, packages in the build cache,
 * images, SIF files) and fails at generation time, naming what is missing, when it can ask.
 */

/** The chain, in order: every stage needs what the ones before it made. */
export const CHAIN_STAGES = [
  "base-images",
  "cache",
  "containers",
  "sif",
  "publish",
  "deploy",
] as const;
export type ChainStage = (typeof CHAIN_STAGES)[number];

export interface StageRange {
  readonly from: ChainStage;
  readonly to: ChainStage;
}

export const WHOLE_CHAIN: StageRange = { from: "base-images", to: "deploy" };

const position = (stage: ChainStage) => CHAIN_STAGES.indexOf(stage);

export const includesStage = (range: StageRange, stage: ChainStage): boolean =>
  position(range.from) <= position(stage) && position(stage) <= position(range.to);

export const isWholeChain = (range: StageRange): boolean =>
  range.from === WHOLE_CHAIN.from && range.to === WHOLE_CHAIN.to;

/** `--from` and `--to` (or SPACKTAINERS_FROM / SPACKTAINERS_TO); empty values mean the ends. */
export function stageRangeFrom(from?: string, to?: string): StageRange {
  const parse = (flag: string, value: string | undefined, end: ChainStage): ChainStage => {
    const given = (value ?? "").trim();
    if (given === "") return end;
    if ((CHAIN_STAGES as readonly string[]).includes(given)) return given as ChainStage;
    throw new InputError(`${flag}: no stage ${given}; the stages are ${CHAIN_STAGES.join(", ")}`);
  };
  const range = { from: parse("--from", from, "base-images"), to: parse("--to", to, "deploy") };
  if (position(range.from) > position(range.to))
    throw new InputError(
      `--from ${range.from} comes after --to ${range.to}: the stages run ${CHAIN_STAGES.join(" -> ")}`,
    );
  return range;
}

/** How the range reads in a plan and on a command line, e.g. `--from sif --to publish`. */
export function stageRangeArguments(range: StageRange): string[] {
  return [
    ...(range.from !== WHOLE_CHAIN.from ? [`--from ${range.from}`] : []),
    ...(range.to !== WHOLE_CHAIN.to ? [`--to ${range.to}`] : []),
  ];
}
