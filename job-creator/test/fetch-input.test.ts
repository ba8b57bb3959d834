import { createHash } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { access, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../../common/src/s3/signed-head.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { startForwardProxy } from "../../test/helpers/forward-proxy.js";
import { runAsync } from "../../test/helpers/process.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { tempDir } from "../../test/helpers/temp-repo.js";

// spacktainer/fetch-input.sh, the first line of a build job whose definition fetches
// inputs, with the real curl against s3rver and against a server that checks signatures.
const SCRIPT = join(REPO_ROOT, "spacktainer/fetch-input.sh");
const SECRET = 'not-a-real-secret-"quoted"\\9f2';
const CONTENT = "licensed tarball\n";
const SHA256 = createHash("sha256").update(CONTENT).digest("hex");

const s3 = useTestS3("fetch-input");

function fetchInput(
  args: string[],
  cwd: string,
  endpoint = s3.s3.endpoint,
  keyId?: string,
  proxyEnv: Record<string, string> = {},
) {
  return runAsync("sh", [SCRIPT, ...args], {
    cwd,
    env: {
      ...proxyEnv,
      PATH: process.env["PATH"],
      HOME: cwd,
      SPACKTAINERS_INPUTS_ENDPOINT: endpoint,
      SPACKTAINERS_INPUTS_REGION: "eu-north-1",
      SPACKTAINERS_INPUTS_KEY_ID: keyId ?? TEST_CREDENTIALS.accessKeyId,
      // s3rver checks the key id only; the secret is a marker that must never be printed.
      SPACKTAINERS_INPUTS_SECRET_KEY: SECRET,
    },
  });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("fetch-input.sh against s3rver", () => {
  it("goes through the proxy of the job's variables, and direct to NO_PROXY hosts", async () => {
    const [dir, bucket] = [await tempDir(), await s3.bucket()];
    await s3.s3.put(bucket, "vendor/tool.tgz", CONTENT);
    const url = `s3://${bucket}/vendor/tool.tgz`;
    const proxy = await startForwardProxy();
    try {
      // Both cases, as jc sets them on the jobs: curl reads only the lower-case http_proxy.
      const env = { HTTP_PROXY: proxy.url, http_proxy: proxy.url };
      const through = await fetchInput([url, SHA256, "a/tool.tgz"], dir, undefined, undefined, env);
      expect(through.code, through.stderr).toBe(0);
      expect(proxy.carried).toEqual([
        `GET ${new URL(s3.s3.endpoint).host}/${bucket}/vendor/tool.tgz`,
      ]);
      expect(proxy.signedRegions).toEqual(["eu-north-1"]);
      const direct = await fetchInput([url, SHA256, "b/tool.tgz"], dir, undefined, undefined, {
        ...env,
        NO_PROXY: "127.0.0.1",
        no_proxy: "127.0.0.1",
      });
      expect(direct.code, direct.stderr).toBe(0);
      expect(proxy.carried).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  it("downloads the object into the build context and says what it fetched", async () => {
    const [dir, bucket] = [await tempDir(), await s3.bucket()];
    await s3.s3.put(bucket, "vendor/tool-1.2.tar.gz", CONTENT);
    const url = `s3://${bucket}/vendor/tool-1.2.tar.gz`;
    const result = await fetchInput([url, SHA256, "ctx/inputs/0/tool-1.2.tar.gz"], dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`fetched ${url} (${SHA256})\n`);
    expect(await readFile(join(dir, "ctx/inputs/0/tool-1.2.tar.gz"), "utf8")).toBe(CONTENT);
    expect(await readdir(join(dir, "ctx/inputs/0"))).toEqual(["tool-1.2.tar.gz"]);
  });

  it("refuses a file whose sha256 differs, names it, and leaves nothing in the context", async () => {
    const [dir, bucket] = [await tempDir(), await s3.bucket()];
    await s3.s3.put(bucket, "tool.tgz", "a changed tarball\n");
    const url = `s3://${bucket}/tool.tgz`;
    const result = await fetchInput([url, SHA256, "ctx/inputs/0/tool.tgz"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: input ${url} for ctx/inputs/0/tool.tgz`);
    expect(result.stderr).toContain(`sha256 mismatch: expected ${SHA256}, got `);
    expect(await readdir(join(dir, "ctx/inputs/0"))).toEqual([]);
  });

  it("fails naming the file when the key is missing or the key pair is refused, never printing the secret", async () => {
    const [dir, bucket] = [await tempDir(), await s3.bucket()];
    await s3.s3.put(bucket, "tool.tgz", CONTENT);
    const missing = await fetchInput([`s3://${bucket}/other.tgz`, SHA256, "out/other.tgz"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`input s3://${bucket}/other.tgz for out/other.tgz`);
    expect(missing.stderr).toContain("404");
    const refused = await fetchInput(
      [`s3://${bucket}/tool.tgz`, SHA256, "out/tool.tgz"],
      dir,
      s3.s3.endpoint,
      "SOMEONE-ELSE",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("403");
    for (const result of [missing, refused]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain("not-a-real-secret");
    }
    expect(await exists(join(dir, "out/tool.tgz"))).toBe(false);
    expect(await exists(join(dir, "out/tool.tgz.partial"))).toBe(false);
  });

  it("refuses other URL schemes and a wrong number of arguments", async () => {
    const dir = await tempDir();
    const http = await fetchInput(["http://example.org/x.tgz", SHA256, "x.tgz"], dir);
    expect(http.code).toBe(1);
    expect(http.stderr).toContain("only s3:// and https:// URLs are fetched");
    expect((await fetchInput(["s3://b/k"], dir)).code).toBe(2);
  });
});

/** A store that checks each request's signature as AWS computes it, after two 503s. */
function signatureCheckingStore() {
  const seen: { status: number; authorization: string }[] = [];
  const signer = new SignatureV4({
    service: "s3",
    region: "eu-north-1",
    credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: SECRET },
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const server = createServer((req, res) => {
    void expectedAuthorization(signer, req).then((expected) => {
      const authorization = req.headers.authorization ?? "";
      const status = seen.length < 2 ? 503 : authorization === expected ? 200 : 403;
      seen.push({ status, authorization });
      res.writeHead(status).end(status === 200 ? CONTENT : "");
    });
  });
  return { server, seen };
}

async function expectedAuthorization(signer: SignatureV4, req: IncomingMessage) {
  const date = req.headers["x-amz-date"] as string;
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13)}`,
  );
  const signed = await signer.sign(
    {
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      path: req.url ?? "/",
      query: {},
      headers: {
        host: req.headers.host ?? "",
        "x-amz-content-sha256": req.headers["x-amz-content-sha256"] as string,
      },
    },
    { signingDate },
  );
  return signed.headers["authorization"];
}

describe("fetch-input.sh against a signature-checking store", () => {
  const store = signatureCheckingStore();
  let endpoint = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => store.server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(store.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => store.server.close(resolve));
  });

  it("retries a busy store and signs as AWS does (signature v4, the configured region)", async () => {
    const dir = await tempDir();
    const result = await fetchInput(["s3://inputs/a/b.tgz", SHA256, "b.tgz"], dir, endpoint);
    expect(result.stderr).toBe("curl: (22) The requested URL returned error: 503\n".repeat(2));
    expect(result.code).toBe(0);
    expect(store.seen.map((s) => s.status)).toEqual([503, 503, 200]);
    expect(store.seen[2]!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/eu-north-1\/s3\/aws4_request, /,
    );
    expect(await readFile(join(dir, "b.tgz"), "utf8")).toBe(CONTENT);
    // The check can fail: signed with another key id, the store refuses it.
    const other = await fetchInput(["s3://inputs/a/c.tgz", SHA256, "c.tgz"], dir, endpoint, "X");
    expect(store.seen.at(-1)!.status).toBe(403);
    expect(other.code).toBe(1);
  });
});
