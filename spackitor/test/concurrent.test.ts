import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3Store } from "../../common/src/s3/s3-store.js";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { s3Error, TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";
import { runPrune } from "../src/commands/prune.js";
import { brokenEntries, mirror, options, state } from "./mirror-fixture.js";

const env = useTestS3("concurrent");
const PUSHED = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

/** Another pipeline pushes a spec and indexes it, as `spack buildcache push --update-index` does. */
async function pushAnotherSpec(bucket: string): Promise<void> {
  const stem = `linux-debian12-x86_64_v3-gcc-12.2.0-newpkg-1.0-${PUSHED}`;
  await env.s3.put(
    bucket,
    `build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/newpkg-1.0/${stem}.spack`,
    "t",
  );
  await env.s3.put(bucket, `build_cache/${stem}.spec.json`, "{}");
  const index = JSON.parse(
    (await env.s3.store(bucket).get("build_cache/index.json"))!.body.toString(),
  );
  index.database.installs[PUSHED] = {
    spec: {
      name: "newpkg",
      version: "1.0",
      hash: PUSHED,
      compiler: { name: "gcc", version: "12" },
    },
    ref_count: 0,
    in_buildcache: true,
  };
  await env.s3.put(bucket, "build_cache/index.json", JSON.stringify(index));
}

/** A proxy that pushes another spec when the run sends its first request of `trigger`. */
async function pushDuring(bucket: string, trigger: RegExp, honourIfMatch: boolean) {
  let pushed = false;
  let refused = 0;
  const proxy = await startProxy(env.s3.endpoint, async (req, res) => {
    if (req.method !== "PUT") return false;
    if (!pushed && trigger.test(req.url ?? "")) {
      pushed = true;
      await pushAnotherSpec(bucket);
    }
    const expected = req.headers["if-match"];
    if (!honourIfMatch || !expected) return false;
    // S3's conditional write: refuse when the object's ETag is no longer the one read.
    const key = decodeURIComponent(
      new URL(req.url!, "http://x").pathname.split("/").slice(2).join("/"),
    );
    const head = await env.s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (head.ETag === expected) return false;
    refused++;
    return s3Error(
      res,
      412,
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
    );
  });
  return { proxy, stats: () => ({ pushed, refused }) };
}

describe("spackitor beside a concurrent pipeline", () => {
  it("keeps a spec indexed after its snapshot: the index is read again right before it is written", async () => {
    const { bucket, lock } = await mirror(env);
    const { proxy, stats } = await pushDuring(bucket, /spackitor-journal\.json/, false);
    const store = new S3Store({ bucket, endpoint: proxy.url, credentials: TEST_CREDENTIALS });
    await runPrune(options(lock), store, memoryOutput());
    await proxy.stop();
    expect(stats()).toEqual({ pushed: true, refused: 0 });
    const after = await state(env, bucket);
    expect(after.indexed).toContain(PUSHED);
    expect(brokenEntries(after)).toEqual([]);
  });

  it("keeps a spec indexed between its read and its write where the store honours If-Match", async () => {
    const { bucket, lock } = await mirror(env);
    const { proxy, stats } = await pushDuring(bucket, /build_cache\/index\.json(\?|$)/, true);
    const store = new S3Store({ bucket, endpoint: proxy.url, credentials: TEST_CREDENTIALS });
    const output = memoryOutput();
    await runPrune(options(lock), store, output);
    await proxy.stop();
    expect(stats()).toEqual({ pushed: true, refused: 1 });
    expect(output.lines.join("\n")).toMatch(
      /the index changed while it was rewritten; reading it again/,
    );
    const after = await state(env, bucket);
    expect(after.indexed).toContain(PUSHED);
    expect(after.indexed.length).toBeLessThan(40);
    expect(brokenEntries(after)).toEqual([]);
  });
});
