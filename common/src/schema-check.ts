import { text } from "./mapping.js";
import { Ajv, type ErrorObject } from "ajv";
import type { Static, TSchema } from "@sinclair/typebox";
import { CORE_SCHEMA, load } from "js-yaml";
import { InputError, type Problem } from "./errors.js";
import {
  HAND_WRITTEN_LIMIT,
  parseLocatedYaml,
  problemAt,
  readTextFile,
  type LocatedYaml,
} from "./yaml-io.js";

// Our schemas are small and tested: skipping ajv's meta-validation and code optimisation
// takes compiling from ~70 ms to ~15 ms, which every command pays at start-up.
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: false,
  allowUnionTypes: true,
  verbose: true,
  validateSchema: false,
  code: { optimize: false },
});

/**
 * Validates a parsed YAML document against a schema, filling in defaults.
 * Every problem is reported at once, each with file, line and dotted path.
 */
export function checkAgainstSchema<S extends TSchema>(schema: S, doc: LocatedYaml): Static<S> {
  const validate = ajv.compile(schema);
  const data: unknown = structuredClone(doc.data ?? {});
  if (validate(data)) return data;
  throw new InputError(describeSchemaErrors(validate.errors ?? [], doc));
}

/**
 * A hand-written file, checked against a schema. Read first by js-yaml, several times
 * faster than the located parse (a durations file of 20,000 packages: a tenth of the
 * time); a file that fails there (its syntax, a duplicate key, the schema) or holds an
 * alias is read again with locations, so that every problem names its line as before.
 */
export async function readCheckedYaml<S extends TSchema>(
  schema: S,
  path: string,
  displayName: string,
): Promise<Static<S>> {
  const text = await readTextFile(path, displayName, HAND_WRITTEN_LIMIT);
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

/** Turns ajv's errors into problems, dropping the noise of union branches that did not match. */
export function describeSchemaErrors(errors: readonly ErrorObject[], doc: LocatedYaml): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of errors) {
    const path = instancePath(error);
    const message = messageOf(error);
    const key = `${path.join("/")}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problemAt(doc, path, message));
  }
  return problems;
}

function instancePath(error: ErrorObject): (string | number)[] {
  const parts = error.instancePath
    .split("/")
    .slice(1)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  if (error.keyword === "additionalProperties")
    parts.push(String(error.params["additionalProperty"]));
  return parts;
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case "additionalProperties":
      return "unknown key (check its spelling, or see `jc schema` for the allowed keys)";
    case "required":
      return `missing required key "${String(error.params["missingProperty"])}"`;
    case "type": {
      // YAML reads 0.23, 1e3, yes or 2024-01-01 as a number, a boolean or a date.
      const value = error.data;
      const quote =
        error.params["type"] === "string" && value !== null && typeof value !== "object"
          ? `: write it in quotes, "${text(value)}" (YAML reads it as a ${typeof value})`
          : "";
      return `expected ${String(error.params["type"])}${quote}`;
    }
    case "enum":
      return `expected one of ${(error.params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "pattern":
      return `${error.message ?? "does not match"}${error.parentSchema?.description ? ` (${error.parentSchema.description})` : ""}`;
    default:
      return error.message ?? error.keyword;
  }
}
