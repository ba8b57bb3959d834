import type { Problem } from "../../../common/src/errors.js";
import { isMapping } from "../../../common/src/mapping.js";
import { problemAt, type LocatedYaml } from "../../../common/src/yaml-io.js";
import type { FetchedInput } from "./types.js";

/*
 * `spacktainer.fetch`: files the build job downloads into the build context (tarballs behind
 * a licence page, which neither Spack nor the repository may hold), each pinned by its
 * sha256. The build job verifies the checksum before the image sees a byte of it.
 */

// S3 keys are limited to characters that need no encoding in the signed request (S3 reads
// a "+" in a path as a space), URL paths to characters that need no quoting; neither may
// hold a `..` segment (curl would resolve it to another key).
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+$/;
const HTTPS_URL =
  /^https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/(?:[A-Za-z0-9_.~@+=,%-]+\/)*[A-Za-z0-9_.~@+=,%-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
const KEYS = new Set(["url", "sha256", "target"]);

/** Where a fetched input lands inside the build context; the Dockerfile copies it from there. */
export const fetchedInputPath = (index: number, url: string) =>
  `inputs/${index}/${url.slice(url.lastIndexOf("/") + 1)}`;

/** Reads and checks `spacktainer.fetch` (pure): every problem is reported with its line. */
export function readFetchedInputs(
  doc: LocatedYaml,
  entries: unknown,
  problems: Problem[],
): FetchedInput[] {
  if (entries === undefined) return [];
  const at = (path: (string | number)[], message: string) =>
    problems.push(problemAt(doc, ["spacktainer", "fetch", ...path], message));
  if (!Array.isArray(entries)) {
    at([], "expected a list of {url, sha256, target} entries");
    return [];
  }
  const inputs: FetchedInput[] = [];
  const targets = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (!isMapping(entry)) {
      at([index], "expected {url, sha256, target}");
      continue;
    }
    const before = problems.length;
    for (const key of Object.keys(entry))
      if (!KEYS.has(key)) at([index, key], "unknown key: an input has url, sha256 and target");
    const { url, sha256, target } = entry;
    if (typeof url !== "string" || !(S3_URL.test(url) || HTTPS_URL.test(url)))
      at(
        [index, "url"],
        "expected s3://bucket/key (letters, digits and _.- in the key) or https://host/path",
      );
    else if (url.endsWith("/.") || url.split("/").includes(".."))
      at([index, "url"], "the URL must name a file, without . or .. segments");
    if (typeof sha256 !== "string" || !SHA256.test(sha256))
      at(
        [index, "sha256"],
        "expected the file's sha256: 64 lower-case hex digits (sha256sum FILE)",
      );
    if (typeof target !== "string" || !target.startsWith("/") || target.split("/").includes(".."))
      at([index, "target"], "expected an absolute path inside the image, without ..");
    // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
    else if (/[\0-\x1f\x7f]/.test(target)) at([index, "target"], "control characters in the path");
    else if (targets.has(target)) at([index, "target"], `two inputs go to ${target}`);
    if (problems.length > before) continue;
    targets.add(target as string);
    inputs.push({ url: url as string, sha256: sha256 as string, target: target as string });
  }
  return inputs;
}
