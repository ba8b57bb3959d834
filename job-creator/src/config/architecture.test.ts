import { describe, expect, it } from "vitest";
import { resolveArchitectures, withProxyTwins } from "./architecture.js";
import type { ArchitectureConfig, Config } from "./schema.js";

const arch = (extra: Partial<ArchitectureConfig>): ArchitectureConfig =>
  ({
    runnerTags: ["k8s"],
    proxy: false,
    variables: { KUBERNETES_CPU_REQUEST: "4" },
    baseArch: "%gcc target=x86_64_v3",
    cache: {},
    containers: {},
    ...extra,
  }) as ArchitectureConfig;

const config = (architectures: Record<string, ArchitectureConfig>): Config =>
  ({ proxy: { HTTP_PROXY: "http://proxy:3128" }, architectures }) as unknown as Config;

describe("resolveArchitectures", () => {
  it.each<[string, string, Partial<ArchitectureConfig>, string]>([
    ["amd64 without a suffix", "amd64", {}, ""],
    ["another arch with its name", "arm64", {}, "-arm64"],
    ["the configured suffix", "arm64", { tagSuffix: "_aarch64" }, "_aarch64"],
    ["an empty configured suffix", "arm64", { tagSuffix: "" }, ""],
  ])("tag suffix: %s", (_name, name, extra, suffix) => {
    expect(resolveArchitectures(config({ [name]: arch(extra) })).get(name)!.tagSuffix).toBe(suffix);
  });

  it("gives jobs the proxy variables only where the arch uses the proxy, its own winning", () => {
    const resolved = resolveArchitectures(
      config({
        amd64: arch({ proxy: true, variables: { HTTP_PROXY: "http://own:1" } }),
        arm64: arch({}),
      }),
    );
    expect(resolved.get("amd64")!.jobVariables).toEqual({
      HTTP_PROXY: "http://own:1",
      http_proxy: "http://own:1",
    });
    expect(resolved.get("arm64")!.jobVariables).toEqual({ KUBERNETES_CPU_REQUEST: "4" });
    expect(resolved.get("arm64")!.name).toBe("arm64");
  });
});

describe("withProxyTwins", () => {
  it.each<[string, Record<string, string>, Record<string, string>]>([
    ["none", { A: "1" }, { A: "1" }],
    [
      "upper case gets its lower-case twin",
      { HTTPS_PROXY: "http://p:3", NO_PROXY: ".corp" },
      {
        HTTPS_PROXY: "http://p:3",
        https_proxy: "http://p:3",
        NO_PROXY: ".corp",
        no_proxy: ".corp",
      },
    ],
    [
      "lower case gets its upper-case twin",
      { all_proxy: "http://p:3" },
      { all_proxy: "http://p:3", ALL_PROXY: "http://p:3" },
    ],
    [
      "both given: left as given",
      { HTTP_PROXY: "http://a:1", http_proxy: "http://b:2" },
      { HTTP_PROXY: "http://a:1", http_proxy: "http://b:2" },
    ],
    [
      "other variables untouched",
      { FTP_PROXY: "x", Http_Proxy: "y" },
      { FTP_PROXY: "x", Http_Proxy: "y", HTTP_PROXY: "y" },
    ],
  ])("%s", (_name, given, expected) => {
    expect(withProxyTwins(given)).toEqual(expected);
  });
});
