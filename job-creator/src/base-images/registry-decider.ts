import { InputError } from "../../../common/src/errors.js";
import { parseImageReference, type ImageReference } from "../definitions/image-ref.js";
import { differingLabels } from "../registry/labels.js";
import { isAbsent, type ImageRegistry } from "../registry/types.js";
import type { ImageDecider } from "./decide.js";
import { LABELS, type ImageDecision } from "./plan.js";

/** The moving tag of the last image built on the default branch, kept to explain changes. */
export const latestArchTag = (arch: string) => `latest-${arch}`;

/**
 * Decides from the registry: the content tag with equal labels means up to date; a
 * missing image is rebuilt, and the reason names what changed since `latest-<arch>`.
 * Registry errors propagate: a failed login is never taken for a missing image.
 */
export function registryDecider(
  registry: ImageRegistry,
  expand: (text: string) => string,
): ImageDecider {
  return {
    async decide({ inputs, arch, repository, tag }): Promise<ImageDecision> {
      const repo = expand(repository);
      const found = await registry.imageFor(reference(`${repo}:${tag}-${arch}`), arch);
      if (!isAbsent(found)) {
        const changes = describeChanges(inputs.image, inputs.labels, found.labels);
        if (changes.length === 0)
          return { action: "keep", reason: `labels match (${labelNames(inputs.labels)})` };
        return { action: "rebuild", reason: `the image's labels differ: ${changes.join("; ")}` };
      }
      if (found.missing === "arch") {
        return {
          action: "rebuild",
          reason: `missing for ${arch} (the tag has ${found.available.join(", ") || "no"} images)`,
        };
      }
      const previous = await registry.imageFor(reference(`${repo}:${latestArchTag(arch)}`), arch);
      if (isAbsent(previous))
        return {
          action: "rebuild",
          reason: `missing for ${arch} (no earlier image to compare with)`,
        };
      const changes = describeChanges(inputs.image, inputs.labels, previous.labels);
      return {
        action: "rebuild",
        reason: `changed since ${latestArchTag(arch)}: ${changes.join("; ") || "build arguments"}`,
      };
    },
  };
}

function reference(text: string): ImageReference {
  const ref = parseImageReference(text);
  if ("error" in ref)
    throw new InputError(`registry.imageRoot gives an invalid image reference: ${ref.error}`);
  return ref;
}

/** Says in the user's terms which inputs differ between the expected and the found labels. */
export function describeChanges(
  image: string,
  expected: Readonly<Record<string, string>>,
  found: Readonly<Record<string, string>>,
): string[] {
  const changes: string[] = [];
  for (const key of differingLabels(expected, found)) {
    const [old, value] = [found[key], expected[key]!];
    if (key === LABELS.checksum) changes.push(`files under ${image}/ changed`);
    else if (key === LABELS.spackCommit)
      changes.push(`Spack commit changed (${short(old)} -> ${short(value)})`);
    else changes.push(`${toolName(key)} changed (${old ?? "unset"} -> ${value})`);
  }
  return changes;
}

function labelNames(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .map((key) =>
      key === LABELS.checksum
        ? "build folder"
        : key === LABELS.spackCommit
          ? "Spack commit"
          : toolName(key),
    )
    .join(", ");
}

function toolName(label: string): string {
  const match = /^org\.spacktainers\.tool\.(.+)\.version$/.exec(label);
  return match ? `${match[1]} version` : label;
}

const short = (value: string | undefined) =>
  value === undefined ? "unset" : value.replace(/^([0-9a-f]{10})[0-9a-f]+$/, "$1");
