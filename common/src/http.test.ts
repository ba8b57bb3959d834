import { describe, expect, it } from "vitest";
import { backoffMs, retryAfterMs, retryDelayWithin, DEFAULT_HTTP_POLICY } from "./http.js";
import { redactText, redactUrl } from "./redact.js";

describe("redactUrl", () => {
  it.each([
    ["https://user:glpat-abc@gitlab.example.com/api/v4", "https://***@gitlab.example.com/api/v4"],
    [
      "https://gitlab.example.com/api/v4?private_token=glpat-abc&page=2",
      "https://gitlab.example.com/api/v4?private_token=***&page=2",
    ],
    [
      "https://auth.example.com/token?service=r&scope=x&access_token=t",
      "https://auth.example.com/token?service=r&scope=x&access_token=***",
    ],
    [
      "http://127.0.0.1:5000/v2/hpc/builder/manifests/t1",
      "http://127.0.0.1:5000/v2/hpc/builder/manifests/t1",
    ],
    ["not a url: //user:pw@host", "not a url: //***@host"],
  ])("%s -> %s", (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it("redacts every URL inside a text", () => {
    expect(redactText("fetch https://a:b@x.org/p failed; then http://c:d@y.org")).toBe(
      "fetch https://***@x.org/p failed; then http://***@y.org/",
    );
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Wed, 02 Dec 2026 10:00:30 GMT", 30_000],
    ["Wed, 02 Dec 2026 09:00:00 GMT", 0],
    ["soon", undefined],
    [null, undefined],
  ])("%j -> %j", (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});

describe("backoffMs", () => {
  it.each([
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 0, 1000],
    [3, 0.999, 2998],
    [12, 0.5, 30_000],
  ])("attempt %i with random %d waits %i ms", (n, random, expected) => {
    expect(backoffMs(DEFAULT_HTTP_POLICY, n, () => random)).toBe(expected);
  });
});

describe("retryDelayWithin", () => {
  // Default policy: 180 s budget; attempt 2 backs off 1 s with random 0.5.
  it.each([
    ["backoff fits", 2, 10_000, undefined, 1000],
    ["backoff would pass the budget", 2, 179_500, undefined, undefined],
    ["backoff ends on the budget", 2, 179_000, undefined, 1000],
    ["the server's ask replaces backoff", 2, 10_000, 60_000, 60_000],
    ["the server asks for more than is left", 2, 150_000, 60_000, undefined],
    ["the server asks for no wait", 5, 179_999, 0, 0],
  ])("%s", (_, n, spent, asked, expected) => {
    expect(retryDelayWithin(DEFAULT_HTTP_POLICY, n, spent, asked, () => 0.5)).toBe(expected);
  });
});
