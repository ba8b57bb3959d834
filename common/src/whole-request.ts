import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { UserError } from "./errors.js";
import type { HeaderReader, WholeAnswer, WholeRequest } from "./http.js";
import { agentsThrough, proxyFor, proxyRefusal } from "./proxy.js";
import { redactUrl } from "./redact.js";

/**
 * Small requests whose answers are read whole (a registry's manifests, configs and tokens),
 * through Node's `http` and `https` modules: a third of `fetch`'s CPU per request. Behaves as
 * `fetch` did for these clients: the proxy the environment names (the agents the AWS SDK's
 * requests take too), redirects followed with the Authorization header dropped when they
 * leave the origin, compressed answers decoded; the caller's signal ends the whole exchange.
 */

/** Answers read whole are small (the distribution spec caps manifests at 4 MB). */
const MAX_WHOLE_BYTES = 32 * 1024 ** 2;
/** fetch follows up to 20; a registry sends one (a blob to its storage), rarely two. */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const direct = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 50 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 50 }),
};

/** One request and the redirects it is sent on; the answer that is no redirect, read whole. */
export async function requestWhole(
  url: string | URL,
  init: WholeRequest,
  signal: AbortSignal,
): Promise<WholeAnswer> {
  let target = new URL(String(url));
  let method = init.method ?? "GET";
  let headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const answer = await send(target, { method, headers, body }, signal, init.maxBytes);
    const location = answer.headers.get("location");
    if (!REDIRECTS.has(answer.status) || !location) return answer;
    const next = URL.canParse(location, target.href) ? new URL(location, target) : undefined;
    if (hop === MAX_REDIRECTS || !next || !/^https?:$/.test(next.protocol))
      throw new UserError(
        `${redactUrl(url)} ${hop === MAX_REDIRECTS ? `redirected more than ${MAX_REDIRECTS} times` : `redirected to ${redactUrl(location)}, which is no http(s) URL`}`,
      );
    // As fetch: credentials stay with their origin; 303, and 301/302 after a POST, turn GET.
    if (next.origin !== target.origin) headers = withoutHeader(headers, "authorization");
    if (
      (answer.status === 303 && method !== "HEAD") ||
      (answer.status <= 302 && method === "POST")
    ) {
      method = "GET";
      body = undefined;
      headers = withoutHeader(headers, "content-type");
    }
    target = next;
  }
}

const withoutHeader = (headers: Record<string, string>, header: string) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== header));

interface Outgoing {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}

async function send(
  target: URL,
  outgoing: Outgoing,
  signal: AbortSignal,
  maxBytes = MAX_WHOLE_BYTES,
): Promise<WholeAnswer> {
  const secure = target.protocol === "https:";
  const proxy = proxyFor(target);
  const agent = proxy
    ? (await agentsThrough(proxy))[secure ? "httpsAgent" : "httpAgent"]
    : direct[secure ? "https:" : "http:"];
  const headers = {
    "user-agent": "spacktainers",
    ...outgoing.headers,
    ...(outgoing.body ? { "content-length": String(outgoing.body.byteLength) } : {}),
  };
  return new Promise<WholeAnswer>((resolve, reject) => {
    // What a proxy answered to CONNECT when it refused the tunnel (https through a proxy).
    let tunnelRefused: number | undefined;
    const request = unsendable(target, () =>
      (secure ? https : http).request(
        target,
        {
          method: outgoing.method,
          headers,
          agent,
          signal,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          const refusal = proxy && (tunnelRefused ?? (status === 407 ? 407 : undefined));
          if (refusal) {
            response.destroy();
            reject(proxyRefusal(refusal, proxy, target));
            return;
          }
          readWhole(response, maxBytes, target).then((bytes) => {
            resolve({ status, headers: headerReader(response.headers), body: bytes });
          }, reject);
        },
      ),
    );
    request.on("proxyConnect", (connect: { statusCode?: number }) => {
      const code = connect.statusCode ?? 0;
      // 5xx stays what it is (the host unreachable from the proxy): transient, retried.
      if (code >= 400 && code < 500) tunnelRefused = code;
    });
    request.on("error", reject);
    request.end(outgoing.body);
  });
}

/**
 * Node refuses a request it cannot write (a header value with a line break, a token from a
 * hostile token service): no retry would help, so it is an error at once. Node's message names
 * the header, never its value.
 */
function unsendable<T>(target: URL, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (/^ERR_INVALID_/.test((error as NodeJS.ErrnoException).code ?? ""))
      throw new UserError(
        `cannot send a request to ${redactUrl(target)}: ${(error as Error).message}`,
      );
    throw error;
  }
}

/** The answer's body, decoded; more than `maxBytes` is refused as soon as it passes them. */
async function readWhole(response: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer> {
  const tooLarge = () =>
    new UserError(
      `${redactUrl(url)} answered with more than ${maxBytes} bytes, more than any answer of its API: refused`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks, size);
  const coding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return bytes;
  const decode = DECODERS[coding];
  if (!decode)
    throw new UserError(`${redactUrl(url)} answered in an encoding not read here: ${coding}`);
  try {
    return decode(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    // Cut off or corrupt on the way: worth another attempt.
    throw new Error(`${coding} answer does not decode: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

type Decoder = (bytes: Buffer, options: { maxOutputLength: number }) => Buffer;
const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: gunzipSync,
  "x-gzip": gunzipSync,
  br: brotliDecompressSync,
  // "deflate" is zlib-wrapped by the standard, raw from some servers; fetch reads both.
  deflate: (bytes, options) =>
    bytes.length > 0 && (bytes[0]! & 0x0f) === 8
      ? inflateSync(bytes, options)
      : inflateRawSync(bytes, options),
};

/** `Headers.get` over Node's record of lower-case names. */
function headerReader(headers: IncomingHttpHeaders): HeaderReader {
  const text = (value: string | string[]) => (Array.isArray(value) ? value.join(", ") : value);
  return {
    get(name: string) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : text(value);
    },
    forEach(callback) {
      for (const [name, value] of Object.entries(headers))
        if (value !== undefined) callback(text(value), name);
    },
  };
}
