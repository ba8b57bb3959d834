/** A YAML mapping: a plain object that is not a list. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A YAML or JSON scalar as text: strings as they are, numbers and booleans printed, else "". */
export function text(value: unknown): string {
  return typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : "";
}
