import { Type } from "@sinclair/typebox";
import { readCheckedYaml } from "../../../common/src/schema-check.js";
import { durationModel, type DurationModel } from "./durations.js";

/*
 * A durations file, checked against its schema: apart from the model (durations.ts), as its
 * schema and ajv's compiler load only for a run given such a file.
 */

const Minutes = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });
/** `package: minutes`; the key `default` sets the minutes of every package not listed. */
const DurationsFile = Type.Record(Type.String({ minLength: 1 }), Minutes);

/** Reads a durations file (`llvm: 120`, `default: 5`); bad values are bad input. */
export function readDurations(path: string, displayName: string): DurationModel {
  return durationModel(readCheckedYaml(DurationsFile, path, displayName));
}
