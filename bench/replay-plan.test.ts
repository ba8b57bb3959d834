import { describe, expect, it } from "vitest";
import { replayPlan, type RecordedRequest } from "./replay-plan.js";

/**
 * `"registry GET /v2/a/manifests/1 token:repository:a:pull"`: server, method, path and the
 * bearer token, whose granted scopes are separated by `%20` here.
 */
const recorded = (line: string, index: number): RecordedRequest => {
  const [server, method, path, token] = line.split(" ") as [string, string, string, string?];
  return {
    server: server as RecordedRequest["server"],
    method,
    path,
    headers: {
      host: "127.0.0.1:1",
      ...(token ? { authorization: `Bearer ${token.replace(/%20/g, " ")}` } : {}),
    },
    status: 200,
    received: index,
  };
};

const waits = (lines: readonly string[]) =>
  replayPlan(lines.map(recorded)).map(({ after }) => [...after]);

describe("replayPlan", () => {
  it.each([
    {
      name: "without tokens: the API root first, then manifests, each blob after its manifest",
      log: [
        "registry GET /v2/",
        "registry GET /v2/bench/a/manifests/1",
        "registry GET /v2/bench/b/manifests/1",
        "registry GET /v2/bench/b/blobs/sha256:b",
        "registry GET /v2/bench/a/blobs/sha256:a",
      ],
      after: [[], [0], [0], [0, 2], [0, 1]],
    },
    {
      name: "with tokens: the token after the challenge, each request after the token granting it",
      log: [
        "registry GET /v2/",
        "registry GET /jwt/auth?scope=repository:a:pull&scope=repository:b:pull",
        "registry GET /jwt/auth?scope=repository:c:pull",
        "registry GET /v2/c/manifests/1 token:repository:c:pull",
        "registry GET /v2/a/manifests/1 token:repository:a:pull%20repository:b:pull",
        "registry GET /v2/a/blobs/sha256:a token:repository:a:pull%20repository:b:pull",
        "registry GET /v2/",
      ],
      after: [[], [0], [0], [2], [1], [1, 4], [0]],
    },
    {
      name: "the bucket's requests wait for nothing, wherever they come",
      log: ["s3 HEAD /bucket/a.sif", "registry GET /v2/", "s3 HEAD /bucket/b.sif"],
      after: [[], [], []],
    },
    {
      name: "a blob waits for the latest manifest of its repository only",
      log: [
        "registry GET /v2/",
        "registry GET /v2/a/manifests/1",
        "registry GET /v2/a/manifests/2",
        "registry GET /v2/b/blobs/sha256:b",
        "registry GET /v2/a/blobs/sha256:a",
      ],
      after: [[], [0], [0], [0], [0, 2]],
    },
  ])("$name", ({ log, after }) => {
    expect(waits(log)).toEqual(after);
  });
});
