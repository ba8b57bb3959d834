import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { expect } from "vitest";
import { checkCiLimits, GITLAB_DEFAULT_LIMITS, type CiLimits } from "../../common/src/ci/limits.js";
import { ciSchemaErrors, compileCiSchema } from "../../common/src/ci/schema.js";
import { GITLAB_SCHEMA } from "./paths.js";

const validate = compileCiSchema(JSON.parse(readFileSync(GITLAB_SCHEMA, "utf8")) as object);

/** Asserts that a pipeline file passes GitLab's CI schema and the limits check. */
export function expectValidPipeline(
  text: string,
  limits: CiLimits = GITLAB_DEFAULT_LIMITS,
): Record<string, unknown> {
  const doc = load(text) as Record<string, unknown>;
  expect(ciSchemaErrors(validate, doc)).toEqual([]);
  expect(checkCiLimits(doc, Buffer.byteLength(text), limits)).toEqual([]);
  return doc;
}
