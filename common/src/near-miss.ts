import { closest, distance } from "fastest-levenshtein";

/**
 * The known name that `name` is most likely a slip of, for a "did you mean" hint: a few
 * letters off, never half the name; undefined when none is that close.
 */
export function likelyMeant(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(name, [...known]);
  return distance(name, near) <= Math.min(3, Math.floor(name.length / 2)) ? near : undefined;
}
