import { Type } from "@sinclair/typebox";
import { text } from "../../../common/src/mapping.js";
import { readCheckedYaml } from "../../../common/src/schema-check.js";
import type { MergedJob } from "./merge.js";

/** Typical build minutes by package name, and the minutes of every other package. */
export interface DurationModel {
  readonly byPackage: ReadonlyMap<string, number>;
  readonly defaultMinutes: number;
}

/** Without a model every build counts alike: the split then follows the dependency levels. */
export const DEFAULT_MINUTES = 10;

const Minutes = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });
/** `package: minutes`; the key `default` sets the minutes of every package not listed. */
const DurationsFile = Type.Record(Type.String({ minLength: 1 }), Minutes);

/** Reads a durations file (`llvm: 120`, `default: 5`); bad values are bad input. */
export async function readDurations(path: string, displayName: string): Promise<DurationModel> {
  return durationModel(await readCheckedYaml(DurationsFile, path, displayName));
}

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
