import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { RegistryPusher, startRegistry, type TestRegistry } from "../../test/helpers/registry.js";
import type { HttpPolicy, RetryNote } from "../../common/src/http.js";
import { OciRegistryClient } from "../src/registry/oci-client.js";

let dir: string;
let registry: TestRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "registry-faults-"));
  registry = await startRegistry(join(dir, "registry"));
  await new RegistryPusher(registry).pushImage("hpc/builder", "t1", "amd64", {
    "org.x.checksum": "aaa",
  });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const client = (budgetMs: number, timeoutMs = 1_000, onRetry?: HttpPolicy["onRetry"]) =>
  new OciRegistryClient({
    credentialsFor: () => undefined,
    credentialHint: () => "set CI_REGISTRY_USER and CI_REGISTRY_PASSWORD",
    http: {
      timeoutMs,
      budgetMs,
      initialDelayMs: 50,
      maxDelayMs: 500,
      ...(onRetry ? { onRetry } : {}),
    },
  });

const builder = (host: string) => ({ registry: host, repository: "hpc/builder", tag: "t1" });

describe("the registry client against docker-registry in trouble", () => {
  it("waits out a 6-second rate-limit window as Retry-After says, then reads the labels", async () => {
    const start = Date.now();
    let limited = 0;
    const proxy = await startProxy(registry.url, (_req, res) => {
      if (Date.now() - start >= 6_000) return false;
      limited++;
      res.writeHead(429, { "retry-after": "1", "content-type": "application/json" });
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      return true;
    });
    const notes: RetryNote[] = [];
    try {
      const image = await client(20_000, 1_000, (note) => notes.push(note)).imageFor(
        builder(proxy.host),
        "amd64",
      );
      expect(image).toMatchObject({ labels: { "org.x.checksum": "aaa" } });
      expect(Date.now() - start).toBeGreaterThanOrEqual(6_000);
      expect(limited).toBeGreaterThanOrEqual(6);
      expect(limited).toBeLessThanOrEqual(9);
      // Each retry was told, with the wait the registry asked for.
      expect(notes).toHaveLength(limited);
      expect(notes[0]).toEqual({
        target: `http://${proxy.host}/v2/hpc/builder/manifests/t1`,
        reason: "HTTP 429",
        attempt: 2,
        delayMs: 1_000,
        budgetMs: 20_000,
      });
    } finally {
      await proxy.stop();
    }
  }, 20_000);

  it("gives up on a registry that accepts and never answers, within the budget", async () => {
    const proxy = await startProxy(registry.url, () => true);
    try {
      const start = Date.now();
      const error = (await client(1_000, 300)
        .imageFor(builder(proxy.host), "amd64")
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(
        /no answer within 300 ms.*gave up within the retry budget of 1 s/,
      );
      expect(error.message).toMatch(/no image is rebuilt on a guess/);
      expect(Date.now() - start).toBeLessThan(3_000);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses an HTML page (a login page or a proxy) instead of reading it as an image", async () => {
    const proxy = await startProxy(registry.url, (_req, res) => {
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end("<html>Sign in</html>");
      return true;
    });
    try {
      const error = (await client(1_000)
        .imageFor(builder(proxy.host), "amd64")
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(
        new RegExp(
          `http://${proxy.host}/v2/hpc/builder/manifests/t1 answered HTTP 200 with an HTML page`,
        ),
      );
    } finally {
      await proxy.stop();
    }
  });

  it("reads again an answer cut off halfway", async () => {
    let cut = 0;
    const proxy = await startProxy(registry.url, (req, res) => {
      if (cut > 0 || !req.url?.includes("/manifests/")) return false;
      cut++;
      res.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "content-length": "4000",
      });
      res.write('{"schemaVersion": 2, "config": {');
      setTimeout(() => res.destroy(), 50);
      return true;
    });
    try {
      const image = await client(5_000).imageFor(builder(proxy.host), "amd64");
      expect(image).toMatchObject({ labels: { "org.x.checksum": "aaa" } });
      expect(cut).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses an answer larger than any of the API's, without holding it all", async () => {
    let sent = 0;
    const proxy = await startProxy(registry.url, (req, res) => {
      if (!req.url?.includes("/manifests/")) return false;
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      const chunk = Buffer.alloc(1024 ** 2, 32);
      const more = () => {
        while (sent < 64 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
      return true;
    });
    try {
      const error = (await client(5_000)
        .imageFor(builder(proxy.host), "amd64")
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/answered with more than 33554432 bytes.*refused/);
      expect(proxy.requests.filter((r) => r.includes("/manifests/"))).toHaveLength(1);
      // The client hung up: the server did not get to send all 64 MB.
      expect(sent).toBeLessThan(64);
    } finally {
      await proxy.stop();
    }
  });

  it("follows a blob to object storage elsewhere, without taking the login along", async () => {
    const storageAuthorizations: (string | undefined)[] = [];
    const storage = await startProxy(registry.url, (req) => {
      storageAuthorizations.push(req.headers.authorization);
      return false;
    });
    const login = `Basic ${Buffer.from("ci:secret").toString("base64")}`;
    const front = await startProxy(registry.url, (req, res) => {
      if (req.headers.authorization !== login) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="registry"' }).end();
        return true;
      }
      if (!req.url?.includes("/blobs/")) return false;
      res.writeHead(307, { location: `${storage.url}${req.url}` }).end();
      return true;
    });
    try {
      const image = await new OciRegistryClient({
        credentialsFor: () => ({ username: "ci", password: "secret" }),
        credentialHint: () => "set CI_REGISTRY_USER and CI_REGISTRY_PASSWORD",
      }).imageFor(builder(front.host), "amd64");
      expect(image).toMatchObject({ labels: { "org.x.checksum": "aaa" } });
      expect(storageAuthorizations).toEqual([undefined]);
    } finally {
      await front.stop();
      await storage.stop();
    }
  });
});
