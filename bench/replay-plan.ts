/**
 * The order in which a client that does nothing but the requests could send what a
 * `jc` run sent (pure): the reference the online-workflow benchmark measures the run
 * against, beside the floor of requests x latency / concurrency, which no client can
 * reach where one answer is needed to ask the next.
 *
 * A request waits only for what the registry protocol makes it wait for: a token request
 * for the first API root request's challenge (it names the realm); a request that carries
 * a token for the token request that granted it; any other registry request for the first
 * API root request (whether and how to authenticate); a blob also for its repository's
 * manifest before it (the manifest names the blob). The bucket's requests need nothing.
 */

export interface RecordedRequest {
  readonly server: "registry" | "s3";
  readonly method: string;
  /** Path and query, as received. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  /** When the proxy received it (ms since the epoch): the order of the log. */
  readonly received: number;
}

export interface ReplayStep {
  readonly request: RecordedRequest;
  /** Indexes of earlier steps whose answers this one waits for. */
  readonly after: readonly number[];
}

const TOKEN_PATH = "/jwt/auth";
const REPOSITORY_PATH = /^\/v2\/(.+)\/(manifests|blobs)\/[^/]+$/;

/** The granted scopes a request's bearer token names (the test token service's format). */
const grantedScopes = (request: RecordedRequest): readonly string[] =>
  /^Bearer token:(.*)$/.exec(request.headers["authorization"] ?? "")?.[1]?.split(" ") ?? [];

/** The steps of a replay of `log` (in the order received), each with what it waits for. */
export function replayPlan(log: readonly RecordedRequest[]): ReplayStep[] {
  let apiRoot: number | undefined;
  const tokenFor = new Map<string, number>();
  const manifestOf = new Map<string, number>();
  return log.map((request, index) => {
    const after: number[] = [];
    const waitFor = (step: number | undefined) => {
      if (step !== undefined) after.push(step);
    };
    if (request.server === "s3") return { request, after };
    const url = new URL(request.path, "http://registry");
    const scopes = grantedScopes(request);
    if (url.pathname === TOKEN_PATH) waitFor(apiRoot);
    else if (scopes.length > 0) waitFor(tokenFor.get(scopes[0]!));
    else if (url.pathname !== "/v2/" || apiRoot !== undefined) waitFor(apiRoot);
    else apiRoot = index;
    if (url.pathname === TOKEN_PATH)
      for (const scope of url.searchParams.getAll("scope")) tokenFor.set(scope, index);
    const [, repository, kind] = REPOSITORY_PATH.exec(url.pathname) ?? [];
    if (repository && kind === "blobs") waitFor(manifestOf.get(repository));
    if (repository && kind === "manifests") manifestOf.set(repository, index);
    return { request, after };
  });
}
