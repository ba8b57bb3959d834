import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenLocally } from "../../../test/helpers/ports.js";
import { runAsync } from "../../../test/helpers/process.js";
import { DEFAULT_HTTP_POLICY } from "../http.js";
import { S3Store } from "./s3-store.js";
import { objectUrl, SignedHead, type HeadTarget } from "./signed-head.js";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const target = (over: Partial<HeadTarget> = {}): HeadTarget => ({
  bucket: "sifs",
  region: "eu-west-1",
  forcePathStyle: true,
  credentials: CREDENTIALS,
  ...over,
});

describe("objectUrl", () => {
  it.each([
    [
      "path style",
      target({ endpoint: "http://127.0.0.1:9000" }),
      "x/a.sif",
      "http://127.0.0.1:9000/sifs/x/a.sif",
    ],
    [
      "an endpoint with a path",
      target({ endpoint: "https://store.example.org/s3/" }),
      "a.sif",
      "https://store.example.org/s3/sifs/a.sif",
    ],
    [
      "virtual-hosted on an endpoint",
      target({ endpoint: "https://store.example.org", forcePathStyle: false }),
      "x/a.sif",
      "https://sifs.store.example.org/x/a.sif",
    ],
    ["AWS", target(), "x/a.sif", "https://sifs.s3.eu-west-1.amazonaws.com/x/a.sif"],
    // A dotted bucket name breaks the certificate of a virtual host: AWS serves it in the path.
    [
      "AWS, a dotted bucket",
      target({ bucket: "my.sifs" }),
      "a.sif",
      "https://s3.eu-west-1.amazonaws.com/my.sifs/a.sif",
    ],
    // Every byte but A-Z a-z 0-9 - . _ ~ is escaped, as S3 signs it; "/" separates segments.
    [
      "a key S3 must see escaped",
      target({ endpoint: "http://h" }),
      "c/a b+c(1)!'*~ü.sif",
      "http://h/sifs/c/a%20b%2Bc%281%29%21%27%2A~%C3%BC.sif",
    ],
  ])("%s", (_what, where, key, url) => {
    expect(objectUrl(where, key).href).toBe(url);
  });
});

/**
 * What botocore (AWS's Python SDK, an implementation of its own) signs for the same HEAD at
 * the same time: the oracle for ours. Debian's python3-boto3 is installed by the test script.
 */
async function botocoreAuthorization(url: string, headers: IncomingHttpHeaders, region: string) {
  const script = `
import datetime, json, sys
import botocore.auth
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.load(sys.stdin)
class Fixed(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime.strptime(a["date"], "%Y%m%dT%H%M%SZ")
botocore.auth.datetime.datetime = Fixed
request = AWSRequest(method="HEAD", url=a["url"], headers={"x-amz-content-sha256": a["payload"]})
S3SigV4Auth(Credentials(a["id"], a["secret"]), "s3", a["region"]).add_auth(request)
print(request.headers["Authorization"])
`;
  const input = JSON.stringify({
    url,
    date: headers["x-amz-date"],
    payload: headers["x-amz-content-sha256"],
    id: CREDENTIALS.accessKeyId,
    secret: CREDENTIALS.secretAccessKey,
    region,
  });
  const child = runAsync("sh", ["-c", `printf '%s' "$INPUT" | /usr/bin/python3 -c "$SCRIPT"`], {
    env: { ...process.env, INPUT: input, SCRIPT: script },
  });
  const result = await child;
  if (result.code !== 0) throw new Error(`botocore failed: ${result.stderr}`);
  return result.stdout.trim();
}

describe("SignedHead against a server that records what it gets", () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  /** Per path: the answers to give in turn (status and headers), the last one repeated. */
  const answers = new Map<string, [number, Record<string, string>][]>();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const queue = answers.get(req.url ?? "") ?? [[404, {}]];
    const [status, headers] = queue.length > 1 ? queue.shift()! : queue[0]!;
    res.writeHead(status, headers).end();
  });
  let endpoint = "";
  let stop = async () => {};
  beforeAll(async () => {
    const listening = await listenLocally(server);
    endpoint = `http://127.0.0.1:${listening.port}`;
    stop = listening.stop;
  });
  afterAll(() => stop());
  const quick = { ...DEFAULT_HTTP_POLICY, initialDelayMs: 5, maxDelayMs: 10, budgetMs: 5_000 };

  it("signs as botocore signs, the escaped key included, and reads the metadata", async () => {
    const key = "containers/a b+c(1).sif";
    const path = "/sifs/containers/a%20b%2Bc%281%29.sif";
    answers.set(path, [
      [
        200,
        {
          "x-amz-meta-container-checksum": "abc",
          "x-amz-meta-Branch": "dev",
          "content-type": "application/octet-stream",
        },
      ],
    ]);
    const at = new Date("2026-12-04T10:20:30Z");
    const head = new SignedHead(target({ endpoint }), quick, () => at);
    const answer = await head.head(key, "read it");
    expect(answer).toEqual({
      status: 200,
      metadata: { "container-checksum": "abc", branch: "dev" },
    });
    const request = seen.at(-1)!;
    expect(request.url).toBe(path);
    expect(request.headers["x-amz-date"]).toBe("20261204T102030Z");
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261204\/eu-west-1\/s3\/aws4_request, /,
    );
    expect(request.headers.authorization).toBe(
      await botocoreAuthorization(`${endpoint}${path}`, request.headers, "eu-west-1"),
    );
  });

  it("retries what S3 answers when throttled or in trouble", async () => {
    answers.set("/sifs/busy.sif", [
      [503, {}],
      [429, { "retry-after": "0" }],
      [200, { "x-amz-meta-container-checksum": "abc" }],
    ]);
    const before = seen.length;
    const store = new S3Store({ bucket: "sifs", endpoint, credentials: CREDENTIALS });
    expect(await store.metadata("busy.sif")).toEqual({ "container-checksum": "abc" });
    expect(seen.length - before).toBe(3);
    expect(await store.metadata("none.sif")).toBeUndefined();
  });

  it("signs again at the server's time when a clock far off was refused, as the SDK does", async () => {
    // The server's clock is two hours ahead of this machine's; it refuses what is signed more
    // than 15 minutes off, as S3 does.
    const serverNow = new Date("2026-12-04T12:00:00Z");
    const skewed = createServer((req, res) => {
      const date = String(req.headers["x-amz-date"]);
      const signedAt = Date.parse(
        `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13)}`,
      );
      const fresh = Math.abs(signedAt - serverNow.getTime()) <= 15 * 60_000;
      res
        .writeHead(fresh ? 200 : 403, {
          date: serverNow.toUTCString(),
          ...(fresh ? { "x-amz-meta-container-checksum": "abc" } : {}),
        })
        .end();
    });
    const listening = await listenLocally(skewed);
    try {
      const machine = () => new Date(serverNow.getTime() - 2 * 3600_000);
      const head = new SignedHead(
        target({ endpoint: `http://127.0.0.1:${listening.port}` }),
        quick,
        machine,
      );
      // Several at once: each refused one is sent again at the same, corrected time.
      const answers = await Promise.all(["a", "b", "c"].map((key) => head.head(key, "read it")));
      expect(answers.map((a) => [a.status, a.metadata])).toEqual(
        Array(3).fill([200, { "container-checksum": "abc" }]),
      );
    } finally {
      await listening.stop();
    }
    // A refusal from a server whose clock agrees with this machine's is not sent again.
    answers.set("/sifs/refused-now.sif", [[403, {}]]);
    const before = seen.length;
    const head = new SignedHead(target({ endpoint }), quick);
    expect((await head.head("refused-now.sif", "read it")).status).toBe(403);
    expect(seen.length - before).toBe(1);
  });

  it("asks through the SDK and its credential chain when no key pair is given", async () => {
    answers.set("/sifs/sdk.sif", [[200, { "x-amz-meta-container-checksum": "abc" }]]);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
    try {
      const store = new S3Store({ bucket: "sifs", endpoint });
      expect(await store.metadata("sdk.sif")).toEqual({ "container-checksum": "abc" });
      expect(seen.at(-1)!.headers["user-agent"]).toMatch(/aws-sdk-js/);
      expect(seen.at(-1)!.headers.authorization).toContain("Credential=AKIDEXAMPLE/");
    } finally {
      process.env = saved;
    }
  });

  it("names the region S3 says the bucket is in, and the key variables on a refusal, never the secret", async () => {
    answers.set("/sifs/elsewhere.sif", [[301, { "x-amz-bucket-region": "eu-north-1" }]]);
    answers.set("/sifs/refused.sif", [[403, {}]]);
    const store = new S3Store({
      bucket: "sifs",
      endpoint,
      region: "eu-west-1",
      credentials: CREDENTIALS,
      credentialVariables: ["SIF_KEY_ID", "SIF_SECRET"],
    });
    const elsewhere = (await store.metadata("elsewhere.sif").catch((e: unknown) => e)) as Error;
    expect(elsewhere.message).toBe(
      `cannot read the metadata of elsewhere.sif in s3://sifs at ${endpoint} (HTTP 301): the bucket is in region eu-north-1, not eu-west-1: set the region in the configuration`,
    );
    const refused = (await store.metadata("refused.sif").catch((e: unknown) => e)) as Error;
    expect(refused.message).toContain("(HTTP 403): check SIF_KEY_ID / SIF_SECRET");
    for (const error of [elsewhere, refused])
      expect(error.message).not.toContain(CREDENTIALS.secretAccessKey);
  });
});
