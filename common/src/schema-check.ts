import { Ajv, type Options } from "ajv";
import type { Static, TSchema } from "@sinclair/typebox";
import { CORE_SCHEMA, load } from "js-yaml";
import { checkValidated } from "./schema-errors.js";
import {
  HAND_WRITTEN_LIMIT,
  parseLocatedYaml,
  readTextFileSync,
  type LocatedYaml,
} from "./yaml-io.js";

// Our schemas are small and tested: skipping ajv's meta-validation and code optimisation
// takes compiling from ~70 ms to ~15 ms, which every command pays at start-up.
// The configuration's validator is compiled ahead with the same options (config/generate.ts).
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  strict: false,
  allowUnionTypes: true,
  verbose: true,
  validateSchema: false,
  code: { optimize: false },
} as const satisfies Options;
const ajv = new Ajv(AJV_OPTIONS);

/**
 * Validates a parsed YAML document against a schema, filling in defaults.
 * Every problem is reported at once, each with file, line and dotted path.
 */
export function checkAgainstSchema<S extends TSchema>(schema: S, doc: LocatedYaml): Static<S> {
  return checkValidated(ajv.compile<Static<S>>(schema), doc);
}

/**
 * A hand-written file, checked against a schema. Read first by js-yaml, several times
 * faster than the located parse (a durations file of 20,000 packages: a tenth of the
 * time); a file that fails there (its syntax, a duplicate key, the schema) or holds an
 * alias is read again with locations, so that every problem names its line as before.
 */
export function readCheckedYaml<S extends TSchema>(
  schema: S,
  path: string,
  displayName: string,
): Static<S> {
  const text = readTextFileSync(path, displayName, HAND_WRITTEN_LIMIT);
  const data = text.includes("*") ? undefined : loadQuickly(text);
  if (data !== undefined && ajv.compile(schema)(data)) return data;
  return checkAgainstSchema(schema, parseLocatedYaml(text, displayName));
}

/** The document as js-yaml reads it (an empty one as `{}`), or undefined when it cannot. */
function loadQuickly(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA }) ?? {};
  } catch {
    return undefined;
  }
}
