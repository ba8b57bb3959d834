import { describe, expect, it } from "vitest";
import type { HttpPolicy, RetryNote } from "../http.js";
import { BudgetedRetries } from "./sdk-retries.js";

const POLICY: HttpPolicy = {
  timeoutMs: 1_000,
  budgetMs: 10_000,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
};

/** A strategy on a clock the test moves; random 0.5 makes backoff exact (100, 200, 400 ms …). */
function strategy(onRetry?: HttpPolicy["onRetry"]) {
  const clock = { now: 1_000_000 };
  const policy = { ...POLICY, ...(onRetry ? { onRetry } : {}) };
  return {
    clock,
    retries: new BudgetedRetries(
      policy,
      "s3://b",
      () => clock.now,
      () => 0.5,
    ),
  };
}

describe("BudgetedRetries", () => {
  it.each(["CLIENT_ERROR", "SERVER_ERROR"] as const)("does not retry a %s", async (errorType) => {
    const { retries } = strategy();
    const token = await retries.acquireInitialRetryToken();
    const error = new Error("403");
    await expect(retries.refreshRetryTokenForRetry(token, { errorType, error })).rejects.toThrow();
    expect(retries.gaveUpOn(error)).toBeUndefined();
  });

  it("backs off on throttling and timeouts, however many attempts, until the budget is spent", async () => {
    const { clock, retries } = strategy();
    let token = await retries.acquireInitialRetryToken();
    const delays: number[] = [];
    const error = new Error("SlowDown");
    for (;;) {
      clock.now += 1_000; // each attempt takes a second
      const type = delays.length % 2 ? "TRANSIENT" : "THROTTLING";
      const next = await retries
        .refreshRetryTokenForRetry(token, { errorType: type, error })
        .catch(() => undefined);
      if (!next) break;
      expect(next.getRetryCount()).toBe(token.getRetryCount() + 1);
      delays.push(next.getRetryDelay());
      clock.now += next.getRetryDelay();
      token = next;
    }
    // Attempts end at 1 s, 2.1 s, 3.3 s, 4.7 s, 6.5 s and 9.1 s: waiting 2 s more would pass 10 s.
    expect(delays).toEqual([100, 200, 400, 800, 1_600]);
    expect(retries.gaveUpOn(error)).toEqual({ attempts: 6, spentMs: 9_100, budgetMs: 10_000 });
  });

  it("waits what Retry-After asks instead of backing off, and gives up when that passes the budget", async () => {
    const { clock, retries } = strategy();
    const token = await retries.acquireInitialRetryToken();
    const asked = new Date(clock.now + 4_000);
    const next = await retries.refreshRetryTokenForRetry(token, {
      errorType: "THROTTLING",
      retryAfterHint: asked,
    });
    expect(next.getRetryDelay()).toBe(4_000);
    clock.now += 4_000;
    const error = new Error("429");
    await expect(
      retries.refreshRetryTokenForRetry(next, {
        errorType: "THROTTLING",
        error,
        retryAfterHint: new Date(clock.now + 6_001),
      }),
    ).rejects.toThrow();
    expect(retries.gaveUpOn(error)).toEqual({ attempts: 2, spentMs: 4_000, budgetMs: 10_000 });
  });

  it("counts each request's budget from its own first attempt", async () => {
    const { clock, retries } = strategy();
    await retries.acquireInitialRetryToken();
    clock.now += 60_000;
    const late = await retries.acquireInitialRetryToken();
    const next = await retries.refreshRetryTokenForRetry(late, { errorType: "TRANSIENT" });
    expect(next.getRetryDelay()).toBe(100);
  });

  it("notes each retry with the bucket, the status and S3's code, or the network error", async () => {
    const notes: RetryNote[] = [];
    const { retries } = strategy((note) => notes.push(note));
    const first = await retries.acquireInitialRetryToken();
    const slowDown = Object.assign(new Error("Please reduce"), {
      name: "SlowDown",
      $metadata: { httpStatusCode: 503 },
    });
    const second = await retries.refreshRetryTokenForRetry(first, {
      errorType: "THROTTLING",
      error: slowDown,
    });
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const third = await retries.refreshRetryTokenForRetry(second, {
      errorType: "TRANSIENT",
      error: refused,
    });
    const silent = Object.assign(new Error("exceeded requestTimeout"), { code: "ETIMEDOUT" });
    await retries.refreshRetryTokenForRetry(third, { errorType: "TRANSIENT", error: silent });
    expect(notes).toEqual([
      { target: "s3://b", reason: "HTTP 503 SlowDown", attempt: 2, delayMs: 100, budgetMs: 10_000 },
      { target: "s3://b", reason: "ECONNREFUSED", attempt: 3, delayMs: 200, budgetMs: 10_000 },
      {
        target: "s3://b",
        reason: "no answer within 1 s",
        attempt: 4,
        delayMs: 400,
        budgetMs: 10_000,
      },
    ]);
  });
});
