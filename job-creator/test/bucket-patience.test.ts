import { describe, expect, it, onTestFinished } from "vitest";
import { startProxy } from "../../test/helpers/http-proxy.js";
import { containersStore } from "../src/commands/online-services.js";

const KEYS = { ACCESS: "key", SECRET: "secret" };
const credentials = { accessKeyIdVariable: "ACCESS", secretAccessKeyVariable: "SECRET" };

describe("the containers bucket under --timeout and --retry-budget", () => {
  it("gives up on a server that never answers within the budget, signed HEADs and SDK reads alike", async () => {
    // Accepts every request and never answers.
    const silent = await startProxy("http://127.0.0.1:9", () => true);
    onTestFinished(() => silent.stop());
    const policy = { timeoutMs: 300, budgetMs: 800, initialDelayMs: 100, maxDelayMs: 200 };
    const store = containersStore(
      {
        containers: {
          bucket: "sif",
          endpoint: silent.url,
          credentials,
          prefix: "",
          archiveMaxAgeDays: 30,
        },
      },
      KEYS,
      policy,
    );
    const start = Date.now();
    const failure = (read: Promise<unknown>) =>
      read.then(
        () => new Error("read without a server"),
        (e: unknown) => e as Error,
      );
    const [head, get] = await Promise.all([
      failure(store.metadata("x.sif")),
      failure(store.get("x.sif")),
    ]);
    expect(Date.now() - start).toBeLessThan(3_000);
    expect(head.message).toMatch(
      /no answer within 300 ms.* gave up within the retry budget of 1 s/,
    );
    expect(get.message).toMatch(
      /^cannot read x\.sif in s3:\/\/sif .*\(failed \d+ times in 1 s; gave up within the retry budget of 1 s\)$/,
    );
    expect(silent.requests.length).toBeGreaterThanOrEqual(4);
  });
});
