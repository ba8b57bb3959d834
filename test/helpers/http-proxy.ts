import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { listenLocally } from "./ports.js";

/** Decides, per request, to answer by itself (return true) or let the request through. */
export type Interceptor = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Runs once the upstream server answered a forwarded request, before the answer is relayed. */
export type AfterForward = (req: IncomingMessage, status: number) => void | Promise<void>;

/**
 * A small HTTP proxy on 127.0.0.1 in front of a real server, for fault injection and
 * auth schemes the server itself does not offer. Counts the requests it sees.
 */
export async function startProxy(
  target: string,
  intercept: Interceptor,
  afterForward?: AfterForward,
): Promise<{ url: string; host: string; requests: string[]; stop: () => Promise<void> }> {
  const requests: string[] = [];
  const targetUrl = new URL(target);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    if (await intercept(req, res)) return;
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: targetUrl.host },
      },
      (answer) => {
        void Promise.resolve(afterForward?.(req, answer.statusCode ?? 502)).then(() => {
          if (res.destroyed) return;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };
  const server = createServer((req, res) => void handle(req, res));
  const { port, stop } = await listenLocally(server);
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, requests, stop };
}
