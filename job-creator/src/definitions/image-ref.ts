/**
 * Container image references, parsed by the grammar of the reference implementation
 * (distribution/reference, the one Docker and every OCI registry client use).
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
export interface ImageReference {
  /** Registry host with optional port, `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path inside the registry, `library/x` for official Docker Hub images. */
  readonly repository: string;
  /** The tag; `latest` when neither tag nor digest is given. */
  readonly tag?: string;
  readonly digest?: string;
}

const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domain = `${host}(?::[0-9]+)?`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const referencePattern = new RegExp(
  `^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`,
);

const DOCKER_HUB = "docker.io";

/** Parses an image reference; returns an error text instead when it is not one. */
export function parseImageReference(text: string): ImageReference | { error: string } {
  const input = text.trim().replace(/^docker:\/\//, "");
  if (input.length > 255) return { error: "image reference longer than 255 characters" };
  const match = referencePattern.exec(input);
  if (!match) {
    return {
      error: `"${text}" is not a valid image reference (expected [registry[:port]/]name[:tag][@digest], lower-case name)`,
    };
  }
  const [, first, rest = "", tagPart, digestPart] = match;
  const { registry, repository } = splitDomain(first, rest);
  return {
    registry,
    repository,
    ...(tagPart !== undefined || digestPart === undefined ? { tag: tagPart ?? "latest" } : {}),
    ...(digestPart !== undefined ? { digest: digestPart } : {}),
  };
}

/**
 * Mirrors Docker's normalisation: the first path element is a registry only when it
 * looks like a host (has a dot or a port, or is `localhost`); otherwise it is Docker Hub.
 */
function splitDomain(
  first: string | undefined,
  rest: string,
): { registry: string; repository: string } {
  if (
    first !== undefined &&
    (first.includes(".") || first.includes(":") || first === "localhost" || /[A-Z]/.test(first))
  ) {
    return { registry: first === "index.docker.io" ? DOCKER_HUB : first, repository: rest };
  }
  const repository = first !== undefined ? `${first}/${rest}` : rest;
  return {
    registry: DOCKER_HUB,
    repository: repository.includes("/") ? repository : `library/${repository}`,
  };
}

/** The canonical text of a reference: `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
