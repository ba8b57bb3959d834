import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { listenLocally } from "./ports.js";

/** What a forward proxy carried: one line per request or tunnel, and the S3 regions signed for. */
export interface ForwardProxy {
  /** `http://127.0.0.1:PORT`, what HTTP(S)_PROXY is set to. */
  readonly url: string;
  /** `GET host:port/path` per plain request, `CONNECT host:port` per tunnel. */
  readonly carried: string[];
  /** The region of each AWS signature it saw (plain requests only: a tunnel hides them). */
  readonly signedRegions: string[];
  readonly stop: () => Promise<void>;
}

const SIGNED_REGION = /Credential=[^/,]+\/\d{8}\/([^/,]+)\/s3\/aws4_request/;

/**
 * An HTTP forward proxy on 127.0.0.1, as a site's squid: plain requests in absolute form are
 * relayed, CONNECT opens a tunnel. With `credentials`, every request must carry them
 * (`Proxy-Authorization: Basic`), else 407. Counts everything it carried.
 */
export async function startForwardProxy(credentials?: {
  user: string;
  password: string;
}): Promise<ForwardProxy> {
  const carried: string[] = [];
  const signedRegions: string[] = [];
  const expected = credentials
    ? `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`
    : undefined;
  const authorized = (req: IncomingMessage) =>
    !expected || req.headers["proxy-authorization"] === expected;

  const relay = (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const target = URL.canParse(req.url ?? "") ? new URL(req.url!) : undefined;
    if (!target) {
      res.writeHead(400).end("a forward proxy takes absolute URLs");
      return;
    }
    carried.push(`${req.method} ${target.host}${target.pathname}`);
    const region = SIGNED_REGION.exec(req.headers.authorization ?? "")?.[1];
    if (region) signedRegions.push(region);
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer(relay);
  const tunnels = new Set<Socket>();
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    if (!authorized(req)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    carried.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.on("close", () => tunnels.delete(socket));
    }
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const { port, stop } = await listenLocally(server);
  return {
    url: `http://127.0.0.1:${port}`,
    carried,
    signedRegions,
    stop: async () => {
      for (const socket of tunnels) socket.destroy();
      await stop();
    },
  };
}
