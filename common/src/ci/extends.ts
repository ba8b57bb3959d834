import { isMapping } from "../mapping.js";

type Hash = Record<string, unknown>;

/** GitLab's limit on how deep `extends:` may chain. */
export const MAX_EXTENDS_DEPTH = 11;

/**
 * A job as GitLab sees it after `extends:`: the templates' keys merged in order, hashes
 * (`variables`, `image`, `artifacts`) deeply, everything else replaced, the job's own keys
 * last. Throws on a missing template or a chain deeper than GitLab allows.
 * @see https://docs.gitlab.com/ee/ci/yaml/#extends
 */
export function resolveExtends(doc: Readonly<Hash>, body: Readonly<Hash>, depth = 0): Hash {
  if (depth > MAX_EXTENDS_DEPTH) throw new Error("extends: nesting deeper than GitLab allows");
  const parents = body["extends"] === undefined ? [] : ([body["extends"]].flat() as string[]);
  let merged: Hash = {};
  for (const parent of parents) {
    const template = doc[parent];
    if (!isMapping(template)) throw new Error(`extends: ${parent} does not exist`);
    merged = deepMerge(merged, resolveExtends(doc, template, depth + 1));
  }
  const { extends: _, ...own } = body;
  return deepMerge(merged, own);
}

function deepMerge(a: Readonly<Hash>, b: Readonly<Hash>): Hash {
  const result: Hash = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const old = result[key];
    result[key] = isMapping(old) && isMapping(value) ? deepMerge(old, value) : value;
  }
  return result;
}
