import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { join } from "node:path";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { startForwardProxy } from "../../test/helpers/forward-proxy.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { listenLocally } from "../../test/helpers/ports.js";
import { runAsync } from "../../test/helpers/process.js";
import { requestWithPolicy } from "./http.js";

// The registry clients' transport against real servers on 127.0.0.1: what fetch did for
// them (decoding, redirects, proxies) and what it did not (a cap on the answer's size).

const POLICY = { timeoutMs: 2_000, budgetMs: 3_000, initialDelayMs: 20, maxDelayMs: 100 };

async function server(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingMessage[] = [];
  const { port, stop } = await listenLocally(
    createServer((req, res) => {
      seen.push(req);
      handle(req, res);
    }),
  );
  onTestFinished(stop);
  return { url: `http://127.0.0.1:${port}`, seen };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("requestWithPolicy", () => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "x" }));

  it.each([
    ["gzip", gzipSync(manifest)],
    ["br", brotliCompressSync(manifest)],
    ["deflate", deflateSync(manifest)],
    ["deflate", deflateRawSync(manifest)],
  ])("reads an answer in %s encoding, though it asked for none", async (coding, bytes) => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": coding });
      res.end(bytes);
    });
    const answer = await requestWithPolicy(`${s.url}/v2/`, {}, POLICY);
    expect(answer.body.toString()).toBe(manifest.toString());
    expect(s.seen[0]!.headers["accept-encoding"]).toBeUndefined();
  });

  it("refuses a compressed answer that unpacks to more than the cap, without retrying", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-encoding": "gzip" });
      res.end(gzipSync(Buffer.alloc(4 * 1024 ** 2)));
    });
    await expect(
      requestWithPolicy(`${s.url}/v2/`, { maxBytes: 1024 ** 2 }, POLICY),
    ).rejects.toThrow(/answered with more than 1048576 bytes.*refused/);
    expect(s.seen).toHaveLength(1);
  });

  it("sends a body with its length, and turns GET after a 303", async () => {
    const s = await server((req, res) => {
      if (req.url === "/put") res.writeHead(303, { location: "/done" }).end();
      else res.writeHead(200).end(req.method);
    });
    const answer = await requestWithPolicy(
      `${s.url}/put`,
      { method: "PUT", body: Buffer.from("{}"), headers: { "content-type": "x" } },
      POLICY,
    );
    expect(answer.body.toString()).toBe("GET");
    expect(s.seen[0]!.headers["content-length"]).toBe("2");
    expect(s.seen[1]!.headers["content-type"]).toBeUndefined();
  });

  it("stops after five redirects, and refuses one to another scheme", async () => {
    const s = await server((req, res) => {
      const location = req.url === "/ftp" ? "ftp://x.example/a" : `/n${req.url}`;
      res.writeHead(302, { location }).end();
    });
    await expect(requestWithPolicy(`${s.url}/a`, {}, POLICY)).rejects.toThrow(
      /redirected more than 5 times/,
    );
    expect(s.seen).toHaveLength(6);
    await expect(requestWithPolicy(`${s.url}/ftp`, {}, POLICY)).rejects.toThrow(
      /redirected to ftp:\/\/x.example\/a, which is no http\(s\) URL/,
    );
  });

  it("says at once that a proxy refused the tunnel to an https registry, password hidden", async () => {
    const proxy = await startForwardProxy({ user: "builder", password: "proxy-pass-31" });
    onTestFinished(proxy.stop);
    vi.stubEnv("NO_PROXY", "");
    vi.stubEnv("no_proxy", "");
    vi.stubEnv("HTTPS_PROXY", proxy.url.replace("//", "//builder:wrong-pass-12@"));
    const started = Date.now();
    const error = (await requestWithPolicy("https://127.0.0.1:1/v2/", {}, POLICY).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(/the proxy http:\/\/\*\*\*@127.0.0.1:\d+\/ refused the login/);
    expect(error.message).not.toContain("wrong-pass-12");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("gives up on an answer whose body stops halfway, within the timeout of each attempt", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write('{"schemaVersion":');
    });
    const started = Date.now();
    await expect(
      requestWithPolicy(`${s.url}/v2/`, {}, { ...POLICY, timeoutMs: 300, budgetMs: 1_000 }),
    ).rejects.toThrow(/failed \(no answer within 300 ms\) \d+ times/);
    expect(s.seen.length).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses at once a header Node cannot send, without printing its value", async () => {
    const s = await server((_req, res) => res.end());
    const error = (await requestWithPolicy(
      `${s.url}/v2/`,
      { headers: { authorization: "Bearer abc\r\nx-injected: 1" } },
      POLICY,
    ).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^cannot send a request to http:\/\/127.0.0.1:\d+\/v2\/: .*authorization/,
    );
    expect(error.message).not.toContain("abc");
    expect(s.seen).toHaveLength(0);
  });

  it("names the cause when nothing listens, after retrying within the budget", async () => {
    const { port, stop } = await listenLocally(createServer());
    await stop();
    await expect(
      requestWithPolicy(`http://127.0.0.1:${port}/v2/`, {}, { ...POLICY, budgetMs: 200 }),
    ).rejects.toThrow(/failed \(cannot connect: connect ECONNREFUSED 127.0.0.1:\d+\) \d+ times/);
  });

  it("reads an https registry directly and through a proxy's tunnel, its certificate checked", async () => {
    const tls = join(REPO_ROOT, "test/fixtures/tls");
    const [key, cert] = await Promise.all(
      ["localhost.key", "localhost.crt"].map((name) => readFile(join(tls, name))),
    );
    const { port, stop } = await listenLocally(
      createTlsServer({ key, cert }, (req, res) => {
        res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization }));
      }),
    );
    onTestFinished(stop);
    const proxy = await startForwardProxy();
    onTestFinished(proxy.stop);
    // NODE_EXTRA_CA_CERTS is read when a process starts: each case is a process of its own.
    const script = `import { requestWithPolicy } from ${JSON.stringify(join(REPO_ROOT, "common/src/http.ts"))};
      const policy = { timeoutMs: 2000, budgetMs: 300, initialDelayMs: 20, maxDelayMs: 100 };
      const answer = await requestWithPolicy(process.argv[1], { headers: { authorization: "Bearer t" } }, policy);
      console.log(answer.status, answer.body.toString());`;
    const run = (env: Record<string, string>) =>
      runAsync(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script, `https://127.0.0.1:${port}/v2/x`],
        { cwd: REPO_ROOT, env: { PATH: process.env["PATH"] ?? "", ...env } },
      );
    const trusted = { NODE_EXTRA_CA_CERTS: join(tls, "localhost.crt") };
    const expected = `200 ${JSON.stringify({ path: "/v2/x", authorization: "Bearer t" })}`;

    expect((await run(trusted)).stdout.trim()).toBe(expected);
    expect(proxy.carried).toEqual([]);
    expect((await run({ ...trusted, HTTPS_PROXY: proxy.url })).stdout.trim()).toBe(expected);
    expect(proxy.carried).toEqual([`CONNECT 127.0.0.1:${port}`]);
    const untrusted = await run({});
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/cannot connect: self[- ]signed certificate/);
  });
});
