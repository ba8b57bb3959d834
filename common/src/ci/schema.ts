import { Ajv, type ValidateFunction } from "ajv";

/**
 * Compiles GitLab's CI JSON Schema with the options that match how GitLab treats it
 * (formats and some patterns are not enforced by GitLab itself).
 */
export function compileCiSchema(schema: object): ValidateFunction {
  const ajv = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    validateFormats: false,
    strictTypes: false,
    strict: false,
    keywords: ["markdownDescription"],
  });
  return ajv.compile(schema);
}

/** The schema errors of one document, as short readable lines. */
export function ciSchemaErrors(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return [];
  const lines = new Set<string>();
  for (const error of validate.errors ?? []) {
    // oneOf/anyOf branches repeat the same complaint many times; keep the leaves.
    if (error.keyword === "oneOf" || error.keyword === "anyOf" || error.keyword === "if") continue;
    const where =
      error.instancePath
        .split("/")
        .slice(1)
        .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
        .join(".") || "(top level)";
    lines.add(
      `${where}: ${error.message ?? error.keyword}${error.keyword === "additionalProperties" ? ` "${String(error.params["additionalProperty"])}"` : ""}`,
    );
  }
  return [...lines];
}
