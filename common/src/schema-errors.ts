import type { ErrorObject } from "ajv";
import { InputError, type Problem } from "./errors.js";
import { text } from "./mapping.js";
import { problemAt, type LocatedYaml } from "./yaml-io.js";

/*
 * What a schema's validator found, as problems at their lines. Apart from ajv itself, so
 * that a validator compiled ahead (the configuration's) needs none of ajv's compiler.
 */

/** An ajv validator, compiled now or ahead: true or false, its errors on itself. */
export interface Validator<T> {
  (data: unknown): data is T;
  errors?: readonly ErrorObject[] | null;
}

/**
 * Validates a parsed YAML document, filling in defaults in a copy. Every problem is
 * reported at once, each with file, line and dotted path.
 */
export function checkValidated<T>(validate: Validator<T>, doc: LocatedYaml): T {
  const data: unknown = structuredClone(doc.data ?? {});
  if (validate(data)) return data;
  throw new InputError(describeSchemaErrors(validate.errors ?? [], doc));
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
