import { describe, expect, it } from "vitest";
import { InputError } from "../../common/src/errors.js";
import type { HttpPolicy } from "../../common/src/http.js";
import type { Answer } from "../../test/helpers/gitlab-api.js";
import { startFakeGitlab } from "../../test/helpers/gitlab-pipelines.js";
import { gitlabPipelineApi } from "../src/gitbeaker-api.js";

const TOKEN = "glpat-secret-value-1234";
const POLICY: HttpPolicy = {
  timeoutMs: 1_000,
  budgetMs: 20_000,
  initialDelayMs: 50,
  maxDelayMs: 500,
};

/** A GitLab whose bridges endpoint answers through `fault` first; the bridge list otherwise. */
async function gitlab(fault: (n: number) => Answer | undefined) {
  let n = 0;
  const server = await startFakeGitlab({
    token: TOKEN,
    pipelines: [{ id: 500, jobs: [], bridges: [{ id: 9, name: "b", downstream: 501 }] }],
    fault: (path) => (path.endsWith("/bridges") ? fault(++n) : undefined),
  });
  const api = (policy = POLICY, apiUrl = server.url) =>
    gitlabPipelineApi({ apiUrl, projectId: server.projectId, token: TOKEN, http: policy });
  return { server, api, calls: () => n };
}

describe("get-artifacts against a GitLab in trouble", () => {
  it("waits out a 6-second rate-limit window as Retry-After says, instead of giving up", async () => {
    const start = Date.now();
    const g = await gitlab(() =>
      Date.now() - start < 6_000
        ? {
            status: 429,
            json: { message: "429 Too Many Requests" },
            headers: { "retry-after": "1" },
          }
        : undefined,
    );
    try {
      const bridges = await g.api().bridges(500);
      expect(bridges.map((b) => b.name)).toEqual(["b"]);
      expect(Date.now() - start).toBeGreaterThanOrEqual(6_000);
      // One request a second, as asked: not gitbeaker's ten retries in a quarter second.
      expect(g.calls()).toBeGreaterThanOrEqual(6);
      expect(g.calls()).toBeLessThanOrEqual(9);
    } finally {
      await g.server.stop();
    }
  }, 20_000);

  it("honours Retry-After given as an HTTP date on 503", async () => {
    const g = await gitlab((n) =>
      n === 1
        ? {
            status: 503,
            json: {},
            headers: { "retry-after": new Date(Date.now() + 2_000).toUTCString() },
          }
        : undefined,
    );
    try {
      const start = Date.now();
      await g.api().bridges(500);
      expect(Date.now() - start).toBeGreaterThanOrEqual(900); // the date has whole seconds
      expect(g.calls()).toBe(2);
    } finally {
      await g.server.stop();
    }
  });

  it("gives up at once when Retry-After asks for more than the budget, saying so", async () => {
    const g = await gitlab(() => ({ status: 429, json: {}, headers: { "retry-after": "600" } }));
    try {
      const error = await g
        .api({ ...POLICY, budgetMs: 5_000 })
        .bridges(500)
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/HTTP 429.*the server asked to wait 600 s more/);
      expect(g.calls()).toBe(1);
    } finally {
      await g.server.stop();
    }
  });

  it("times out a request that never gets an answer, and gives up within the budget", async () => {
    const g = await gitlab(() => ({ status: 200, hang: true }));
    try {
      const start = Date.now();
      const policy = { ...POLICY, timeoutMs: 300, budgetMs: 1_000 };
      const error = await g
        .api(policy)
        .bridges(500)
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /no answer within 300 ms.*gave up within the retry budget of 1 s/,
      );
      expect(Date.now() - start).toBeLessThan(3_000);
    } finally {
      await g.server.stop();
    }
  });

  it.each([
    [
      "an HTML page",
      {
        status: 200,
        text: "<!DOCTYPE html><html>Sign in</html>",
        headers: { "content-type": "text/html" },
      },
      /HTTP 200 with an HTML page, not JSON/,
    ],
    [
      "truncated JSON",
      {
        status: 200,
        text: '[{"id": 9, "name": "b"',
        headers: { "content-type": "application/json" },
      },
      /HTTP 200 with JSON that does not parse/,
    ],
    [
      "another content type",
      { status: 200, text: "ok", headers: { "content-type": "application/xml" } },
      /cannot list the bridges of pipeline 500/,
    ],
  ] as const)("refuses %s with the URL and status, never the token", async (_, answer, message) => {
    const g = await gitlab(() => answer);
    try {
      const error = (await g
        .api()
        .bridges(500)
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(message);
      expect(error.message).toContain("/api/v4/projects/42/pipelines/500/bridges");
      expect(error.message).not.toContain(TOKEN);
    } finally {
      await g.server.stop();
    }
  });

  it("refuses credentials given inside the API URL as bad input, never printing them", async () => {
    const g = await gitlab(() => undefined);
    try {
      const url = g.server.url.replace("http://", `http://ci:${TOKEN}@`);
      const error = (() => {
        try {
          return g.api({ ...POLICY, budgetMs: 200 }, url);
        } catch (e) {
          return e as Error;
        }
      })() as Error;
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/carries a user name or password/);
      expect(g.calls()).toBe(0);
      expect(error.message).not.toContain(TOKEN);
      expect(String(error.stack)).not.toContain(TOKEN);
    } finally {
      await g.server.stop();
    }
  });
});
