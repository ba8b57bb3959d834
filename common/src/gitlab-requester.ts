import {
  createRequesterFn,
  type RequesterType,
  type ResponseBodyTypes,
} from "@gitbeaker/requester-utils";
import { Gitlab, GitbeakerRequestError } from "@gitbeaker/rest";
import { InputError, UserError } from "./errors.js";
import { DEFAULT_HTTP_POLICY, fetchWithPolicy, readJsonBody, type HttpPolicy } from "./http.js";
import { redactUrl } from "./redact.js";

/** What GitLab sends files (artifact archives, single artifacts) as. */
const FILE_TYPES = new Set([
  "application/octet-stream",
  "application/zip",
  "application/gzip",
  "application/x-gzip",
  "binary/octet-stream",
]);

interface GitbeakerRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | FormData;
  readonly prefixUrl?: string;
  readonly searchParams?: string;
  readonly asStream?: boolean;
}

/**
 * gitbeaker's transport with our one retry layer (`fetchWithPolicy`): its own handler retries
 * 429 and 502 ten times within a quarter of a second and ignores `Retry-After`. Answers are
 * read as GitLab documents them: JSON must be JSON, an HTML page is an error.
 * Pass it as `new Gitlab({ ..., requesterFn: gitlabRequester(policy) })`.
 */
export function gitlabRequester(
  policy: HttpPolicy = DEFAULT_HTTP_POLICY,
): (options: Record<string, unknown>) => RequesterType {
  return createRequesterFn(
    (_, options) => Promise.resolve(options),
    async (endpoint: string, options?: Record<string, unknown>) => {
      const {
        method = "GET",
        headers,
        body,
        prefixUrl = "",
        searchParams,
        asStream,
      } = (options ?? {}) as GitbeakerRequest;
      const url = new URL(endpoint, prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`);
      url.search = searchParams ?? "";
      const what = `${method} ${url.pathname}`;
      const response = await fetchWithPolicy(
        url,
        { method, ...(headers ? { headers } : {}), ...(body ? { body } : {}) },
        policy,
        what,
      );
      if (!response.ok) {
        const description = (await response.text()).slice(0, 300);
        throw new GitbeakerRequestError(description, {
          cause: { description, request: new Request(url, { method }), response },
        });
      }
      const answerHeaders = Object.fromEntries(response.headers.entries());
      const result = (value: unknown) => ({
        body: value as ResponseBodyTypes,
        headers: answerHeaders,
        status: response.status,
      });
      if (asStream) return result(response.body);
      if (response.status === 204) return result(null);
      const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
      if (type === "application/json" || type === "text/html")
        return result(await readJsonBody(response, url));
      if (type === "text/plain") return result(await response.text());
      if (!FILE_TYPES.has(type))
        throw new UserError(
          `${redactUrl(url)} answered HTTP ${response.status} with ${type || "no content type"}, which GitLab's API does not send: is the URL that of GitLab?`,
        );
      return result(await response.blob());
    },
  ) as (options: Record<string, unknown>) => RequesterType;
}

/** Where a GitLab API is and who asks: what every command that talks to GitLab needs. */
export interface GitlabConnection {
  /** `$CI_API_V4_URL`, e.g. https://gitlab.example.com/api/v4 (the server URL works too). */
  readonly apiUrl: string;
  readonly projectId: string;
  /** A private, project or group access token (sent as PRIVATE-TOKEN, never printed). */
  readonly token: string;
  /** Timeouts and retries (the one retry layer: `fetchWithPolicy`). */
  readonly http?: HttpPolicy;
}

/**
 * The server part of an API URL: gitbeaker adds `/api/v4` itself. Bad input unless an http(s)
 * URL without a user or password: fetch refuses those on every request (which would be
 * retried as a failure to connect), and the token has a flag of its own.
 */
export function gitlabHost(apiUrl: string): string {
  // URL.canParse, not URL.parse: the latter is newer than Node 20.0.
  const url = URL.canParse(apiUrl) ? new URL(apiUrl) : undefined;
  if (!url || !/^https?:$/.test(url.protocol))
    throw new InputError(`GitLab's URL ${JSON.stringify(redactUrl(apiUrl))} is not an http(s) URL`);
  if (url.username || url.password)
    throw new InputError(
      `GitLab's URL ${redactUrl(apiUrl)} carries a user name or password: give it without them, and the token with --token (GITLAB_API_TOKEN)`,
    );
  return apiUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
}

/** A gitbeaker client over our transport. */
export const gitlabClient = (connection: GitlabConnection) =>
  new Gitlab({
    host: gitlabHost(connection.apiUrl),
    token: connection.token,
    requesterFn: gitlabRequester(connection.http),
  });
