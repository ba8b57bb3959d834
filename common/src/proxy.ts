import type { Agent } from "node:http";
import { getProxyForUrl } from "proxy-from-env";
import { InputError, UserError } from "./errors.js";
import { redactUrl } from "./redact.js";

/**
 * Forward proxies, as every HTTP tool of a build machine reads them (curl, Go, Python): from
 * the process environment, HTTPS_PROXY / HTTP_PROXY / ALL_PROXY in either case, with
 * NO_PROXY hosts (`host`, `.domain`, `*.domain`, `host:port`, `*`) reached directly. One
 * decision (`proxyFor`, proxy-from-env) serves every transport: Node's fetch (GitLab), Node's
 * http (registries, `whole-request.ts`) and the AWS SDK (buckets), so they never disagree
 * about a host.
 */

/** The variables a proxy may come from, checked by `checkProxyEnvironment`. */
const PROXY_VARIABLES = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"] as const;

/** The proxy for a URL, or undefined when it is reached directly. */
export function proxyFor(url: string | URL): URL | undefined {
  const proxy = getProxyForUrl(String(url));
  if (!proxy) return undefined;
  const parsed = URL.canParse(proxy) ? new URL(proxy) : undefined;
  if (!parsed || !/^https?:$/.test(parsed.protocol))
    throw new InputError(
      `the proxy for ${redactUrl(url)} is not an http:// or https:// URL: ${redactUrl(proxy)}`,
    );
  return parsed;
}

/**
 * Fails early, with exit code 2, on a proxy variable that is set but no http(s) URL: better
 * than a connection error on the first request, minutes into a run.
 */
export function checkProxyEnvironment(env: NodeJS.ProcessEnv): void {
  const problems = PROXY_VARIABLES.flatMap((name) =>
    [name, name.toLowerCase()].flatMap((variable) => {
      const value = env[variable];
      if (!value) return [];
      const url = URL.canParse(value) ? new URL(value) : undefined;
      return url && /^https?:$/.test(url.protocol) && url.hostname
        ? []
        : [`${variable} is not an http:// or https:// proxy URL: ${redactUrl(value)}`];
    }),
  );
  if (problems.length > 0) throw new InputError(problems.join("\n"));
}

const dispatchers = new Map<string, import("undici").Dispatcher>();

/**
 * `fetch` through the proxy the environment names for the URL. Without one this is Node's
 * own fetch; with one, undici's fetch (the library Node's is built on, loaded only then)
 * through its ProxyAgent, one per proxy, so connections to the proxy are reused.
 */
export async function fetchThroughProxy(url: string | URL, init: RequestInit): Promise<Response> {
  const proxy = proxyFor(url);
  if (!proxy) return fetch(url, init);
  const undici = await import("undici");
  // Plain-HTTP targets in absolute form, as curl and the SDK's agent send them: many proxies
  // allow CONNECT to port 443 only.
  const dispatcher =
    dispatchers.get(proxy.href) ?? new undici.ProxyAgent({ uri: proxy.href, proxyTunnel: false });
  dispatchers.set(proxy.href, dispatcher);
  const options = { ...init, dispatcher } as Parameters<typeof undici.fetch>[1];
  let response: Response;
  try {
    // undici's Response is the one Node's fetch is built on, though another copy of the class:
    // nothing here tests `instanceof Response`, everything reads it through its interface.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    response = await undici.fetch(url, options);
  } catch (error) {
    throw proxyError(error, proxy, url) ?? error;
  }
  // Plain http through a proxy that wants a login: the proxy itself answers 407.
  if (response.status === 407) {
    await response.body?.cancel();
    throw proxyRefusal(407, proxy, url);
  }
  return response;
}

/**
 * A proxy that answers CONNECT with 4xx refuses for good (a wrong login, a host it does not
 * serve): an error without retries. Its 5xx (the host unreachable from it) stays transient.
 */
function proxyError(error: unknown, proxy: URL, url: string | URL): UserError | undefined {
  // undici nests it: fetch failed <- Request was cancelled <- Proxy response (407) !== 200;
  // for plain http sent in absolute form: fetch failed <- Proxy Authentication Required (407).
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error && messages.length < 5; e = e.cause)
    messages.push(e.message);
  const status = Number(
    /Proxy (?:response|Authentication Required) \((\d{3})\)/.exec(messages.join("\n"))?.[1] ?? 0,
  );
  if (status < 400 || status >= 500) return undefined;
  return proxyRefusal(status, proxy, url);
}

export function proxyRefusal(status: number, proxy: URL, url: string | URL): UserError {
  const why =
    status === 407
      ? "refused the login: check the user and password in HTTPS_PROXY / HTTP_PROXY"
      : `refused to connect to ${new URL(String(url)).host}: add it to NO_PROXY if it is reached directly`;
  return new UserError(`the proxy ${redactUrl(proxy)} ${why} (HTTP ${status})`);
}

/** Node's agents through one proxy, for targets of either scheme. */
export interface ProxyAgents {
  readonly httpAgent: Agent;
  readonly httpsAgent: Agent;
}

const agentsByProxy = new Map<string, Promise<ProxyAgents>>();

/**
 * The agents through a proxy, one pair per proxy so that connections to it are reused: plain
 * http targets in absolute form, https through a CONNECT tunnel. The agent modules load only
 * when a proxy is used.
 */
export function agentsThrough(proxy: URL): Promise<ProxyAgents> {
  let agents = agentsByProxy.get(proxy.href);
  if (!agents) {
    agents = Promise.all([import("http-proxy-agent"), import("https-proxy-agent")]).then(
      ([{ HttpProxyAgent }, { HttpsProxyAgent }]) => {
        // As the SDK's own agents: connections kept alive and at most 50 per host.
        const options = { keepAlive: true, maxSockets: 50 };
        return {
          httpAgent: new HttpProxyAgent(proxy, options),
          httpsAgent: new HttpsProxyAgent(proxy, options),
        };
      },
    );
    agentsByProxy.set(proxy.href, agents);
  }
  return agents;
}

/**
 * The agents the AWS SDK's Node handler should use for an endpoint: through the proxy the
 * environment names for it, or none (the SDK's own) when it is reached directly.
 */
export async function proxyAgentsFor(endpoint: string): Promise<ProxyAgents | undefined> {
  const proxy = proxyFor(endpoint);
  return proxy && agentsThrough(proxy);
}
