import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { gitlabHost } from "./gitlab-requester.js";

describe("gitlabHost", () => {
  it.each([
    ["https://gitlab.example.com/api/v4", "https://gitlab.example.com"],
    ["https://gitlab.example.com/api/v4/", "https://gitlab.example.com"],
    ["https://gitlab.example.com", "https://gitlab.example.com"],
    ["http://127.0.0.1:8080/sub/api/v4", "http://127.0.0.1:8080/sub"],
  ])("%s -> %s", (url, host) => {
    expect(gitlabHost(url)).toBe(host);
  });

  it.each([
    ["gitlab.example.com", /"gitlab\.example\.com" is not an http\(s\) URL/],
    ["ftp://gitlab.example.com", /is not an http\(s\) URL/],
    [
      "https://user:hunter2@gitlab.example.com/api/v4",
      /https:\/\/\*\*\*@gitlab\.example\.com\/api\/v4 carries a user name or password/,
    ],
    ["https://oauth2@gitlab.example.com", /carries a user name or password/],
  ])("refuses %s as bad input, never printing a password", (url, message) => {
    const error = (() => {
      try {
        return gitlabHost(url);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("hunter2");
  });
});
