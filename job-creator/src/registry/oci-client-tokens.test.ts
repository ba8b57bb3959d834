import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { startProxy } from "../../../test/helpers/http-proxy.js";
import { tokenAuth } from "../../../test/helpers/token-auth.js";
import { client, ref, useClientRegistries } from "../../test/registry-fixture.js";
import { SCOPES_PER_TOKEN } from "./token-batches.js";

/* How the client asks bearer-token registries for tokens: as few requests as it can. */

const registries = useClientRegistries();

describe("round trips", () => {
  it("asks a repository's token before its first request once the registry has challenged", async () => {
    await withTokenRegistry(async (proxy, seen) => {
      const c = client({ credentialsFor: () => ({ username: "u", password: "p" }) });
      await c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64");
      await c.imageFor(ref(proxy.host, "hpc/runtime", "d-amd64"), "amd64");
      expect(seen).toEqual([
        "401 hpc/builder",
        "token repository:hpc/builder:pull",
        "ok hpc/builder",
        "ok hpc/builder",
        // The second repository: its own scope asked first, no 401.
        "token repository:hpc/runtime:pull",
        "ok hpc/runtime",
        "ok hpc/runtime",
      ]);
    });
  });
});

/** Runs `test` against the open registry behind a GitLab-like token service, stopped after. */
async function withTokenRegistry(
  test: (proxy: { host: string }, seen: string[]) => Promise<void>,
  grantsAtMost = Infinity,
): Promise<void> {
  const seen: string[] = [];
  const proxy = await startProxy(registries.open.url, tokenAuth({ seen, grantsAtMost }));
  try {
    await test(proxy, seen);
  } finally {
    await proxy.stop();
  }
}

/** A client with credentials that told it the repositories of `host` it will read. */
function announcing(host: string, repositories: readonly string[]) {
  const c = client({ credentialsFor: () => ({ username: "u", password: "p" }) });
  c.expectRepositories(repositories.map((repository) => ({ registry: host, repository })));
  return c;
}

describe("tokens for many repositories", () => {
  const repositories = ["hpc/builder", "hpc/runtime"];

  it("asks one token for the repositories the run will read, after one challenge", async () => {
    await withTokenRegistry(async (proxy, seen) => {
      const c = announcing(proxy.host, repositories);
      const images = await Promise.all([
        c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64"),
        c.imageFor(ref(proxy.host, "hpc/runtime", "d-amd64"), "amd64"),
        c.imageFor(ref(proxy.host, "hpc/builder", "t1-arm64"), "arm64"),
      ]);
      expect(images.map((i) => ("labels" in i ? i.architecture : i))).toEqual([
        "amd64",
        "amd64",
        "arm64",
      ]);
      // The API root, contacted when the repositories were announced, says how to get a
      // token; one token covers both repositories; no image request meets a 401.
      expect(seen.filter((s) => !s.startsWith("ok"))).toEqual([
        "401 /v2/",
        "token repository:hpc/builder:pull repository:hpc/runtime:pull",
      ]);
    });
  });

  it("asks again for a repository alone when the shared token does not grant it", async () => {
    await withTokenRegistry(async (proxy, seen) => {
      const c = announcing(proxy.host, repositories);
      await c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64");
      const image = await c.imageFor(ref(proxy.host, "hpc/runtime", "d-amd64"), "amd64");
      expect(image).toMatchObject({ labels: { k: "docker" } });
      expect(seen.filter((s) => !s.startsWith("ok"))).toEqual([
        "401 /v2/",
        "token repository:hpc/builder:pull repository:hpc/runtime:pull",
        "401 hpc/runtime",
        "token repository:hpc/runtime:pull",
      ]);
    }, 1);
  });

  it("batches at most SCOPES_PER_TOKEN repositories per token", async () => {
    await withTokenRegistry(async (proxy, seen) => {
      const many = Array.from({ length: SCOPES_PER_TOKEN + 3 }, (_, i) => `hpc/r${i}`);
      const c = announcing(proxy.host, many);
      await c.imageFor(ref(proxy.host, "hpc/r0", "x"), "amd64");
      await Promise.all(many.map((r) => c.imageFor(ref(proxy.host, r, "x"), "amd64")));
      const tokens = seen.filter((s) => s.startsWith("token"));
      // One token per batch, both asked once the API root challenged.
      expect(tokens.map((t) => t.split(" ").length - 1)).toEqual([SCOPES_PER_TOKEN, 3]);
    });
  });
});

describe("the first contact, when the repositories are announced", () => {
  it("asks the API root, then each batch's token, before any image is asked for", async () => {
    await withTokenRegistry(async (proxy, seen) => {
      const c = announcing(proxy.host, ["hpc/builder"]);
      await expect.poll(() => seen).toEqual(["401 /v2/", "token repository:hpc/builder:pull"]);
      await c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64");
      expect(seen).toEqual([
        "401 /v2/",
        "token repository:hpc/builder:pull",
        "ok hpc/builder",
        "ok hpc/builder",
      ]);
    });
  });

  it("asks those tokens within the run's one limit on requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const auth = tokenAuth();
    const proxy = await startProxy(registries.open.url, async (req, res) => {
      most = Math.max(most, ++inFlight);
      res.on("close", () => inFlight--);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return auth(req, res);
    });
    try {
      const many = Array.from({ length: SCOPES_PER_TOKEN * 2 + 1 }, (_, i) => `hpc/r${i}`);
      const c = client({
        credentialsFor: () => ({ username: "u", password: "p" }),
        limit: pLimit(2),
      });
      c.expectRepositories(many.map((repository) => ({ registry: proxy.host, repository })));
      await Promise.all(many.map((r) => c.imageFor(ref(proxy.host, r, "x"), "amd64")));
      expect(proxy.requests.filter((r) => r.includes("/jwt/auth"))).toHaveLength(3);
      expect(most).toBe(2);
    } finally {
      await proxy.stop();
    }
  });

  it.each([
    ["open", 200],
    ["missing", 404],
    ["failing", 500],
  ])("reads images as before when the API root is %s (%d)", async (_, status) => {
    const proxy = await startProxy(registries.open.url, (req, res) => {
      if (req.url !== "/v2/" || status === 200) return false;
      res.writeHead(status).end();
      return true;
    });
    try {
      const c = announcing(proxy.host, ["hpc/builder"]);
      expect(await c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64")).toMatchObject({
        labels: { "org.x.checksum": "aaa" },
      });
      expect(proxy.requests.filter((r) => r.startsWith("GET /v2/hpc"))).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });
});
