import { describe, expect, it } from "vitest";
import { UserError } from "../../../common/src/errors.js";
import { startProxy } from "../../../test/helpers/http-proxy.js";
import { freePort } from "../../../test/helpers/ports.js";
import { client, FAST_HTTP, ref, useClientRegistries } from "../../test/registry-fixture.js";

const registries = useClientRegistries();
/** The image for `arch` behind `repository:tag` in the open registry. */
const openImage = (repository: string, tag: string, arch: string) =>
  client().imageFor(ref(registries.open.host, repository, tag), arch);

describe("OciRegistryClient against docker-registry", () => {
  it("reads the labels of a single-arch image", async () => {
    const image = await openImage("hpc/builder", "t1-amd64", "amd64");
    expect(image).toMatchObject({
      architecture: "amd64",
      os: "linux",
      labels: { "org.x.checksum": "aaa" },
    });
  });

  it("picks the arch from an OCI index", async () => {
    const image = await openImage("hpc/builder", "t1", "arm64");
    expect(image).toMatchObject({ architecture: "arm64", labels: { "org.x.checksum": "bbb" } });
  });

  it("picks the arch from a Docker manifest list", async () => {
    const image = await openImage("hpc/runtime", "d", "arm64");
    expect(image).toMatchObject({ architecture: "arm64", labels: { k: "docker-arm" } });
  });

  it("says the arch is missing from an index, and which arches it has", async () => {
    expect(await openImage("hpc/builder", "amd-only", "arm64")).toEqual({
      missing: "arch",
      available: ["amd64"],
    });
  });

  it("does not take a single-arch image for another arch", async () => {
    expect(await openImage("hpc/builder", "t1-amd64", "arm64")).toEqual({
      missing: "arch",
      available: ["amd64"],
    });
  });

  it("answers missing for an unknown tag or repository", async () => {
    expect(await openImage("hpc/builder", "nope", "amd64")).toEqual({
      missing: "reference",
    });
    expect(await openImage("hpc/nothing", "t1", "amd64")).toEqual({
      missing: "reference",
    });
  });

  it("resolves digests", async () => {
    expect(await client().digestOf(ref(registries.open.host, "hpc/builder", "t1"))).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );
    expect(
      await client().digestOf(ref(registries.open.host, "hpc/builder", "nope")),
    ).toBeUndefined();
  });
});

describe("config blobs: read once per digest, checked against it", () => {
  const blobReads = (requests: readonly string[]) =>
    requests.filter((r) => r.includes("/blobs/")).map((r) => r.split("/blobs/")[0]);

  it("reads the config of a publish copy (same digest) only once, also when both are read at once", async () => {
    const proxy = await startProxy(registries.open.url, () => false);
    try {
      const c = client();
      const [own, copy] = await Promise.all([
        c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64"),
        c.imageFor(ref(proxy.host, "published/builder", "t1-amd64"), "amd64"),
      ]);
      expect(copy).toEqual(own);
      expect(copy).toMatchObject({ labels: { "org.x.checksum": "aaa" } });
      expect(blobReads(proxy.requests)).toHaveLength(1);
      // A later read of either needs only its manifest.
      await c.imageFor(ref(proxy.host, "published/builder", "t1-amd64"), "amd64");
      expect(blobReads(proxy.requests)).toHaveLength(1);
      expect(proxy.requests.filter((r) => r.includes("/manifests/"))).toHaveLength(3);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses a config blob whose bytes are not what its digest names", async () => {
    const forged = JSON.stringify({ architecture: "amd64", config: { Labels: { x: "forged" } } });
    const proxy = await startProxy(registries.open.url, (req, res) => {
      if (!req.url?.includes("/blobs/")) return false;
      res.writeHead(200, { "content-type": "application/json" }).end(forged);
      return true;
    });
    try {
      const error = await client()
        .imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64")
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(
        /hpc\/builder.*config blob sha256:[0-9a-f]{64} does not match its digest/,
      );
    } finally {
      await proxy.stop();
    }
  });

  it("does not let one repository's failed read stand for another's", async () => {
    // The original's blob is gone (404); its publish copy still has it.
    const proxy = await startProxy(registries.open.url, (req, res) => {
      if (!req.url?.startsWith("/v2/hpc/builder/blobs/")) return false;
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown" }] }));
      return true;
    });
    try {
      const c = client();
      const [own, copy] = await Promise.allSettled([
        c.imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64"),
        c.imageFor(ref(proxy.host, "published/builder", "t1-amd64"), "amd64"),
      ]);
      expect(own).toMatchObject({
        status: "rejected",
        reason: { message: expect.stringMatching(/config blob .* is missing from the registry/) },
      });
      expect(copy).toMatchObject({
        status: "fulfilled",
        value: { labels: { "org.x.checksum": "aaa" } },
      });
      expect(blobReads(proxy.requests).sort()).toEqual([
        "GET /v2/hpc/builder",
        "GET /v2/published/builder",
      ]);
    } finally {
      await proxy.stop();
    }
  });
});

describe("authentication", () => {
  it("logs in with basic auth when challenged", async () => {
    const c = client({ credentialsFor: () => ({ username: "ci-user", password: "s3cret-pw" }) });
    expect(
      await c.imageFor(ref(registries.locked.host, "hpc/builder", "t1-amd64"), "amd64"),
    ).toMatchObject({
      labels: { "org.x.checksum": "aaa" },
    });
  });

  it("fails clearly without credentials, naming the registry and the variables to set", async () => {
    const error = await client()
      .imageFor(ref(registries.locked.host, "hpc/builder", "t1-amd64"), "amd64")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `registry ${registries.locked.host} needs credentials for hpc/builder \\(HTTP 401\\): set CI_REGISTRY_USER and CI_REGISTRY_PASSWORD`,
      ),
    );
  });

  it("fails clearly with wrong credentials, and never prints the password", async () => {
    const c = client({ credentialsFor: () => ({ username: "ci-user", password: "wrong-pw" }) });
    const error = await c
      .imageFor(ref(registries.locked.host, "hpc/builder", "t1-amd64"), "amd64")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/refused the credentials .*HTTP 401/);
    expect((error as Error).message).not.toContain("wrong-pw");
  });

  it("gets a bearer token from the realm the registry names", async () => {
    const tokens: string[] = [];
    const proxy = await startProxy(registries.open.url, (req, res) => {
      if (req.url?.startsWith("/token")) {
        tokens.push(
          `${req.headers.authorization ?? "anonymous"} ${new URL(req.url, "http://x").searchParams.get("scope")}`,
        );
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ token: "tok-123" }));
        return true;
      }
      if (req.headers.authorization !== "Bearer tok-123") {
        res
          .writeHead(401, {
            "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="test",scope="repository:hpc/builder:pull"`,
          })
          .end();
        return true;
      }
      return false;
    });
    try {
      const c = client({ credentialsFor: () => ({ username: "u", password: "p" }) });
      expect(await c.imageFor(ref(proxy.host, "hpc/builder", "t1"), "amd64")).toMatchObject({
        architecture: "amd64",
      });
      expect(tokens).toEqual([
        `Basic ${Buffer.from("u:p").toString("base64")} repository:hpc/builder:pull`,
      ]);
    } finally {
      await proxy.stop();
    }
  });
});

describe("failures are errors, never a silent rebuild", () => {
  it("retries a 500 and then succeeds", async () => {
    let failures = 2;
    const proxy = await startProxy(registries.open.url, (_req, res) => {
      if (failures-- > 0) return Boolean(res.writeHead(500).end());
      return false;
    });
    try {
      expect(
        await client().imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64"),
      ).toMatchObject({ architecture: "amd64" });
    } finally {
      await proxy.stop();
    }
  });

  it("gives up on a registry that keeps answering 500, within the retry budget", async () => {
    const proxy = await startProxy(registries.open.url, (_req, res) =>
      Boolean(res.writeHead(500).end()),
    );
    try {
      const error = await client()
        .imageFor(ref(proxy.host, "hpc/builder", "t1-amd64"), "amd64")
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        new RegExp(
          `cannot read hpc/builder from registry ${proxy.host}: .* failed \\(HTTP 500\\) \\d+ times`,
        ),
      );
      expect(proxy.requests.length).toBeGreaterThanOrEqual(3);
    } finally {
      await proxy.stop();
    }
  });

  it("reports a registry that is down", async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const error = await client()
      .imageFor(ref(host, "hpc/builder", "t1"), "amd64")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`cannot read hpc/builder from registry ${host}: .* failed \\(cannot connect`),
    );
  });

  it("times out on a registry that does not answer", async () => {
    const proxy = await startProxy(registries.open.url, () => true); // accepts, never answers
    try {
      const error = await client({ http: { ...FAST_HTTP, timeoutMs: 200, budgetMs: 500 } })
        .imageFor(ref(proxy.host, "hpc/builder", "t1"), "amd64")
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/failed \(no answer within 200 ms\) \d+ times/);
    } finally {
      await proxy.stop();
    }
  });
});
