import type { Interceptor } from "./http-proxy.js";

/**
 * A `startProxy` interceptor that asks for bearer tokens the way GitLab's registry does:
 * every repository answers 401 without a token that grants it, naming a realm on the proxy
 * itself (`/jwt/auth`), whose token service grants the `scope`s a request names (GitLab has
 * since 11.1). `grantsAtMost` makes it stricter: only that many of them. `seen` records, in
 * order, `token <scopes asked>`, `401 <repository>` (`401 /v2/` for the API root) and
 * `ok <repository>`.
 */
export function tokenAuth(options: { grantsAtMost?: number; seen?: string[] } = {}): Interceptor {
  const { grantsAtMost = Infinity, seen = [] } = options;
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    if (url.pathname === "/jwt/auth") {
      const scopes = url.searchParams.getAll("scope");
      seen.push(`token ${scopes.join(" ")}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: `token:${scopes.slice(0, grantsAtMost).join(" ")}` }));
      return true;
    }
    // The API root wants a token, any token, and says so without a scope (as GitLab's does).
    if (url.pathname === "/v2/") {
      if (/^Bearer token:/.test(req.headers.authorization ?? "")) return false;
      seen.push("401 /v2/");
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="http://${req.headers.host}/jwt/auth",service="container_registry"`,
        "content-type": "application/json",
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return true;
    }
    const repository = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
    if (!repository) return false;
    const scope = `repository:${repository}:pull`;
    const granted = /^Bearer token:(.*)$/.exec(req.headers.authorization ?? "")?.[1]?.split(" ");
    if (granted?.includes(scope)) {
      seen.push(`ok ${repository}`);
      delete req.headers.authorization; // the registry behind is open
      return false;
    }
    seen.push(`401 ${repository}`);
    res.writeHead(401, {
      "www-authenticate": `Bearer realm="http://${req.headers.host}/jwt/auth",service="container_registry",scope="${scope}"`,
      "content-type": "application/json",
    });
    res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    return true;
  };
}
