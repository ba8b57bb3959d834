import { createHash } from "node:crypto";
import { UserError } from "../../../common/src/errors.js";
import type { WholeAnswer } from "../../../common/src/http.js";
import type { ImageReference } from "../definitions/image-ref.js";

/* What the client reads and sends on the wire of the OCI distribution API. */

/**
 * Media types of manifests. Always send all four: with fewer, distribution 2.8 answers
 * 404 for OCI indexes or converts a Docker list to an amd64 schema1 manifest.
 */
export const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];
export const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(", ");

/** A registry's answer, its body read whole. */
export type RegistryAnswer = WholeAnswer;

export function describe(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}:${ref.tag ?? ref.digest ?? ""}`;
}

export function isUnknownError(body: Buffer): boolean {
  try {
    const errors =
      (JSON.parse(body.toString("utf8")) as { errors?: { code?: string }[] }).errors ?? [];
    return errors.some((e) => /_UNKNOWN$/.test(e.code ?? ""));
  } catch {
    return false;
  }
}

export function parseJson(body: Buffer, what: string): Record<string, unknown> {
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new UserError(`${what} is not JSON`);
  }
}

/** The API root of a registry: plain http for loopback hosts (as Docker does) and those listed insecure. */
export function registryBaseUrl(
  registry: string,
  insecureRegistries: readonly string[] = [],
): string {
  const host = registry === "docker.io" ? "registry-1.docker.io" : registry;
  const bare = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const insecure =
    bare === "localhost" ||
    bare.startsWith("127.") ||
    bare === "::1" ||
    insecureRegistries.includes(registry);
  return `${insecure ? "http" : "https"}://${host}`;
}

/** Whether bytes are what an OCI digest (`sha256:…` or `sha512:…`) names. */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  const [algorithm, hex] = digest.split(":");
  if ((algorithm !== "sha256" && algorithm !== "sha512") || !hex) return false;
  return createHash(algorithm).update(bytes).digest("hex") === hex;
}
