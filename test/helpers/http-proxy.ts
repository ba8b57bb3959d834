import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";

/** Decides, per request, to answer by itself (return true) or let the request through. */
export type Interceptor = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * A small HTTP proxy on 127.0.0.1 in front of a real server, for fault injection and
 * auth schemes the server itself does not offer. Counts the requests it sees.
 */
export async function startProxy(
  target: string,
  intercept: Interceptor,
): Promise<{ url: string; host: string; requests: string[]; stop: () => Promise<void> }> {
  const requests: string[] = [];
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (intercept(req, res)) return;
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: targetUrl.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
