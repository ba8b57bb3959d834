import { UserError } from "./errors.js";
import { fetchThroughProxy } from "./proxy.js";
import { requestWhole } from "./whole-request.js";
import { redactText, redactUrl } from "./redact.js";

/**
 * How the HTTP clients (GitLab, registries) wait and retry. There is one retry layer per
 * client: this one; nothing below it retries.
 */
export interface HttpPolicy {
  /** One request, from sending to the last byte of the answer's headers. */
  readonly timeoutMs: number;
  /** All attempts of one request together, waits included. */
  readonly budgetMs: number;
  /** Backoff before the second attempt, doubled for each further one (with jitter). */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Told of each retry before its wait, so that a server in trouble is seen (`retryNotes`). */
  readonly onRetry?: (retry: RetryNote) => void;
}

/** A request about to be tried again: where, why, and when. */
export interface RetryNote {
  /** The URL (redacted) or the bucket the request went to. */
  readonly target: string;
  /** What the last attempt got: `HTTP 429`, `no answer within 30 s`, `ECONNREFUSED`. */
  readonly reason: string;
  /** The attempt about to be made: 2 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly budgetMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  timeoutMs: 30_000,
  budgetMs: 180_000,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Rate limiting, and a server or proxy in trouble: worth another try. */
const TRANSIENT = new Set([429, 500, 502, 503, 504]);
/**
 * The wait `Retry-After` asks for, in ms: delay-seconds or an HTTP date.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff before attempt `n + 1`: exponential, capped, with ±50% jitter. Pure but for `random`. */
export function backoffMs(policy: HttpPolicy, n: number, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
  return Math.round(base * (0.5 + random()));
}

/**
 * The wait before attempt `n + 1`: what the server asked (`Retry-After`), else backoff; or
 * undefined when waiting would pass the budget, `spentMs` being the time since the first
 * attempt began. Pure but for `random`; every retry loop decides through it.
 */
export function retryDelayWithin(
  policy: HttpPolicy,
  n: number,
  spentMs: number,
  askedMs: number | undefined,
  random: () => number,
): number | undefined {
  const delay = askedMs ?? backoffMs(policy, n, random);
  return spentMs + delay > policy.budgetMs ? undefined : delay;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An answer read whole: its status, its headers, its body. */
export interface WholeAnswer {
  readonly status: number;
  readonly headers: HeaderReader;
  readonly body: Buffer;
}

/** What callers read of an answer's headers: `Headers`, or Node's record of them. */
export type HeaderReader = Pick<Headers, "get"> & {
  /** Each header, its name in lower case. */
  forEach(callback: (value: string, name: string) => void): void;
};

/** One request as the whole-answer transport sends it. */
export interface WholeRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** The largest answer taken (default 32 MB); a larger one is an error, not retried. */
  readonly maxBytes?: number;
}

/** What one attempt got, as the retry loop judges it. */
interface Attempt<T> {
  readonly status: number;
  readonly headers: HeaderReader;
  readonly value: T;
  /** Lets go of an answer that is not kept (a transient one). */
  discard(): Promise<void>;
}

/**
 * `fetch` with the policy: a timeout per attempt, retries on network errors, timeouts, 429
 * and 5xx (after what `Retry-After` asks on 429 and 503, else backoff), within the budget.
 * Returns the first answer that is not transient; gives up with an error that names the URL
 * (redacted), the last status and how long it tried. For answers read as a stream (GitLab's
 * artifacts); small answers read whole take `requestWithPolicy`.
 */
export function fetchWithPolicy(
  url: string | URL,
  init: RequestInit,
  policy: HttpPolicy = DEFAULT_HTTP_POLICY,
  what = "request",
): Promise<Response> {
  return withRetries(url, policy, what, async (signal) => {
    const response = await fetchThroughProxy(url, { ...init, signal });
    return {
      status: response.status,
      headers: response.headers,
      value: response,
      discard: async () => {
        await response.body?.cancel();
      },
    };
  });
}

/**
 * One request, its answer read whole, under the same policy as `fetchWithPolicy`; an answer
 * cut off halfway counts as a failed attempt. Through Node's `http` module (`requestWhole`),
 * which costs a third of `fetch`'s CPU per request: the registry clients make hundreds of
 * small requests per run.
 */
export function requestWithPolicy(
  url: string | URL,
  init: WholeRequest,
  policy: HttpPolicy = DEFAULT_HTTP_POLICY,
  what = "request",
): Promise<WholeAnswer> {
  return withRetries(url, policy, what, async (signal) => {
    const answer = await requestWhole(url, init, signal);
    return { ...answer, value: answer, discard: async () => {} };
  });
}

/** The retry loop both transports share: the one retry layer. */
async function withRetries<T>(
  url: string | URL,
  policy: HttpPolicy,
  what: string,
  attempt: (signal: AbortSignal) => Promise<Attempt<T>>,
): Promise<T> {
  const start = Date.now();
  for (let n = 1; ; n++) {
    let reason: string;
    let wait: number | undefined;
    try {
      const answer = await attempt(AbortSignal.timeout(policy.timeoutMs));
      if (!TRANSIENT.has(answer.status)) return answer.value;
      await answer.discard();
      reason = `HTTP ${answer.status}`;
      if (answer.status === 429 || answer.status === 503)
        wait = retryAfterMs(answer.headers.get("retry-after"), Date.now());
    } catch (error) {
      // A proxy variable that is no URL, a proxy that refuses, an answer too large: no
      // retry helps.
      if (error instanceof UserError) throw error;
      reason = describeNetworkError(error, policy);
    }
    const spent = Date.now() - start;
    const delay = retryDelayWithin(policy, n, spent, wait, Math.random);
    if (delay === undefined) {
      const asked =
        wait !== undefined ? `; the server asked to wait ${Math.round(wait / 1000)} s more` : "";
      throw new UserError(
        `cannot ${what}: ${redactUrl(url)} failed (${reason}) ${n} time${n > 1 ? "s" : ""} in ${Math.round(spent / 1000)} s${asked}; gave up within the retry budget of ${Math.round(policy.budgetMs / 1000)} s`,
      );
    }
    policy.onRetry?.({
      target: redactUrl(url),
      reason,
      attempt: n + 1,
      delayMs: delay,
      budgetMs: policy.budgetMs,
    });
    await sleep(delay);
  }
}

/** An attempt that timed out, as every retry loop says it: "no answer within 30 s". */
export const noAnswerWithin = (timeoutMs: number): string =>
  `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;

function describeNetworkError(error: unknown, policy: HttpPolicy): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") return noAnswerWithin(policy.timeoutMs);
  // fetch wraps the reason ("fetch failed" <- "connect ECONNREFUSED …"); Node's http does not.
  const cause =
    error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  return `cannot connect: ${redactText(cause)}`;
}

/**
 * The JSON body an API documents; an HTML page (a login form, a proxy's error page), a wrong
 * content type or truncated JSON is an error naming the URL (redacted) and the status.
 */
export async function readJsonBody(response: Response, url: string | URL): Promise<unknown> {
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await response.text();
  const where = `${redactUrl(url)} answered HTTP ${response.status}`;
  if (type === "text/html" || /^\s*<(!doctype|html)/i.test(text))
    throw new UserError(
      `${where} with an HTML page, not JSON: is the URL that of the API (not a login page or a proxy)?`,
    );
  if (type && !type.includes("json")) throw new UserError(`${where} with ${type}, not JSON`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UserError(
      `${where} with JSON that does not parse (truncated or corrupt, ${text.length} bytes)`,
    );
  }
}
