import { createServer, type IncomingMessage } from "node:http";
import { listenLocally } from "./ports.js";

/** A route of the fake GitLab API: method, path under /api/v4, and the JSON answer. */
export type Route = (req: IncomingMessage, body: string) => Answer | undefined;

/** An answer: JSON, bytes or text; `hang` accepts the request and never answers. */
export interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  readonly text?: string;
  readonly headers?: Record<string, string>;
  readonly hang?: boolean;
}

/**
 * A small local server speaking the part of GitLab's REST API a test needs, answering
 * JSON with `content-type: application/json` as GitLab does (gitbeaker parses by it).
 */
export async function startGitlabApi(
  route: Route,
): Promise<{ url: string; requests: string[]; stop: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      requests.push(
        `${req.method} ${req.url} token=${req.headers["private-token"] ? "yes" : "no"}`,
      );
      const answer = route(req, body) ?? { status: 404, json: { message: "404 Not Found" } };
      if (answer.hang) return;
      // Artifact archives come as bytes; everything else as JSON, as GitLab answers.
      const type = answer.body ? "application/octet-stream" : "application/json";
      res
        .writeHead(answer.status, { "content-type": type, ...answer.headers })
        .end(answer.body ?? answer.text ?? JSON.stringify(answer.json));
    });
  });
  const { port, stop } = await listenLocally(server);
  return { url: `http://127.0.0.1:${port}`, requests, stop };
}

/** One page of a list, with the headers GitLab's offset pagination sends. */
export function paged(url: URL, items: readonly unknown[]) {
  const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 20) || 20, 100);
  const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => {
    const target = new URL(url);
    target.searchParams.set("page", String(p));
    target.searchParams.set("per_page", String(perPage));
    return `<${target.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, "prev")] : []),
    ...(page < totalPages ? [link(page + 1, "next")] : []),
    link(1, "first"),
    link(totalPages, "last"),
  ];
  return {
    status: 200,
    json: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      link: links.join(", "),
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
    },
  };
}
