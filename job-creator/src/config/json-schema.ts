import { ConfigSchema } from "./schema.js";

/** The JSON Schema of the configuration file, for editors (yaml-language-server). */
export function configJsonSchema(): string {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "spacktainers configuration",
    ...(withoutRequiredDefaults(JSON.parse(JSON.stringify(ConfigSchema))) as object),
  };
  return JSON.stringify(schema, null, 2) + "\n";
}

/**
 * TypeBox lists a key with a default as required (jc fills it in before checking); an editor
 * has no such step, so for it a key with a default is optional. Pure.
 */
function withoutRequiredDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequiredDefaults);
  if (typeof node !== "object" || node === null) return node;
  const out = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, withoutRequiredDefaults(v)]),
  ) as Record<string, unknown>;
  const properties = out["properties"] as Record<string, Record<string, unknown>> | undefined;
  if (Array.isArray(out["required"]) && properties) {
    const required = (out["required"] as string[]).filter(
      (k) => !("default" in (properties[k] ?? {})),
    );
    if (required.length > 0) out["required"] = required;
    else delete out["required"];
  }
  return out;
}
