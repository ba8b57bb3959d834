import { describe, expect, it } from "vitest";
import { backoffMs, retryAfterMs, DEFAULT_HTTP_POLICY } from "./http.js";
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
