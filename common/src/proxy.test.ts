import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InputError } from "./errors.js";
import { checkProxyEnvironment, proxyAgentsFor, proxyFor } from "./proxy.js";

const VARIABLES = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"];

/** Exactly these proxy variables, in whichever case given; the others unset. */
function proxyEnvironment(values: Record<string, string>): void {
  for (const name of VARIABLES.flatMap((n) => [n, n.toLowerCase()])) vi.stubEnv(name, "");
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("proxyFor", () => {
  it.each<[string, Record<string, string>, string, string | undefined]>([
    ["no variables: direct", {}, "https://registry.example.org/v2/", undefined],
    [
      "HTTPS_PROXY for https",
      { HTTPS_PROXY: "http://proxy:3128" },
      "https://r.example.org/v2/",
      "http://proxy:3128/",
    ],
    ["not for http", { HTTPS_PROXY: "http://proxy:3128" }, "http://r.example.org/v2/", undefined],
    ["http_proxy (lower case) for http", { http_proxy: "http://p:1" }, "http://r/", "http://p:1/"],
    ["ALL_PROXY for the rest", { ALL_PROXY: "http://all:2" }, "https://r/", "http://all:2/"],
    [
      "NO_PROXY host",
      { HTTPS_PROXY: "http://p:1", NO_PROXY: "r.example.org" },
      "https://r.example.org/",
      undefined,
    ],
    [
      "NO_PROXY domain",
      { HTTPS_PROXY: "http://p:1", no_proxy: "localhost,.example.org" },
      "https://s3.eu.example.org/",
      undefined,
    ],
    [
      "NO_PROXY another port: proxied",
      { HTTPS_PROXY: "http://p:1", NO_PROXY: "r.example.org:8443" },
      "https://r.example.org/",
      "http://p:1/",
    ],
    ["NO_PROXY *", { HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }, "https://anything/", undefined],
    [
      "a proxy with a login keeps it (sent as Proxy-Authorization)",
      { HTTPS_PROXY: "http://user:pw@p:1" },
      "https://r/",
      "http://user:pw@p:1/",
    ],
  ])("%s", (_name, env, url, expected) => {
    proxyEnvironment(env);
    expect(proxyFor(url)?.href).toBe(expected);
  });

  it("refuses a proxy that is no http(s) URL, without printing its password", () => {
    proxyEnvironment({ HTTPS_PROXY: "socks5://user:secret-77@p:1" });
    expect(() => proxyFor("https://r/")).toThrow(InputError);
    expect(() => proxyFor("https://r/")).toThrow(/not an http:\/\/ or https:\/\/ URL: socks5:/);
    expect(() => proxyFor("https://r/")).not.toThrow(/secret-77/);
  });
});

describe("checkProxyEnvironment", () => {
  it.each<[string, Record<string, string>, RegExp | undefined]>([
    ["nothing set", {}, undefined],
    ["http and https proxies", { HTTPS_PROXY: "https://p:1", http_proxy: "http://p:2" }, undefined],
    ["no scheme", { HTTPS_PROXY: "proxy.example.org:3128" }, /HTTPS_PROXY is not an http/],
    ["another scheme", { all_proxy: "socks5://p:1" }, /all_proxy is not an http/],
    ["no URL at all", { HTTP_PROXY: "not a url" }, /HTTP_PROXY is not an http/],
    ["NO_PROXY is a list, not checked", { NO_PROXY: "*, .corp" }, undefined],
  ])("%s", (_name, env, problem) => {
    const check = () => {
      checkProxyEnvironment(env);
    };
    if (problem) expect(check).toThrow(problem);
    else expect(check).not.toThrow();
  });

  it("lists every bad variable and never a password", () => {
    const check = () => {
      checkProxyEnvironment({ HTTPS_PROXY: "ftp://u:pw-1@p", HTTP_PROXY: "ftp://u:pw-2@p" });
    };
    expect(check).toThrow(/HTTPS_PROXY[^\n]*\n[^\n]*HTTP_PROXY/);
    expect(check).not.toThrow(/pw-1|pw-2/);
  });
});

describe("proxyAgentsFor", () => {
  it("gives the AWS SDK agents only for an endpoint that goes through a proxy", async () => {
    proxyEnvironment({ HTTPS_PROXY: "http://p:1", NO_PROXY: "minio.local" });
    expect(await proxyAgentsFor("https://minio.local:9000")).toBeUndefined();
    const agents = await proxyAgentsFor("https://bucket.s3.eu-west-3.amazonaws.com");
    expect(agents?.httpsAgent).toBeInstanceOf(HttpsProxyAgent);
    expect(agents?.httpAgent).toBeInstanceOf(HttpProxyAgent);
    expect((agents?.httpsAgent as HttpsProxyAgent<string>).proxy.href).toBe("http://p:1/");
  });
});
