import { text } from "../../../common/src/mapping.js";
import type { MergedJob } from "./merge.js";

/** Typical build minutes by package name, and the minutes of every other package. */
export interface DurationModel {
  readonly byPackage: ReadonlyMap<string, number>;
  readonly defaultMinutes: number;
}

/** Without a model every build counts alike: the split then follows the dependency levels. */
export const DEFAULT_MINUTES = 10;

/** The model of a `package: minutes` map, whose key `default` sets every other package. */
export function durationModel(minutes: Readonly<Record<string, number>>): DurationModel {
  const { default: fallback, ...packages } = minutes;
  return {
    byPackage: new Map(Object.entries(packages)),
    defaultMinutes: fallback ?? DEFAULT_MINUTES,
  };
}

/** The package a job builds: Spack's `SPACK_JOB_SPEC_PKG_NAME`, else the name before `@`. */
export function packageOf(job: MergedJob): string {
  const variables = job.job["variables"];
  const named =
    typeof variables === "object" && variables !== null
      ? text((variables as Record<string, unknown>)["SPACK_JOB_SPEC_PKG_NAME"])
      : "";
  return named || job.name.split(/[@ /]/)[0]!;
}

export const minutesOf = (model: DurationModel, job: MergedJob): number =>
  model.byPackage.get(packageOf(job)) ?? model.defaultMinutes;
