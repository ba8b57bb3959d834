import { describe, expect, it } from "vitest";
import { applyArchSettings, type SpackArchSettings } from "./template.js";

const settings: SpackArchSettings = {
  baseArch: "%gcc@12 os=ubuntu22.04 target=x86_64_v3",
  mirrorUrl: "s3://cache",
  runnerTags: ["k8s"],
  builderImage: "reg/builder:t-amd64",
  variables: { CPU: "4" },
};

describe("applyArchSettings", () => {
  it("names the upload mirror buildcache-destination from v0.21 on", () => {
    for (const version of ["0.21", "0.23", "1.0"]) {
      expect(applyArchSettings({}, settings, version)["mirrors"]).toEqual({
        "buildcache-destination": "s3://cache",
      });
    }
  });

  it("uses a plain mirror name before v0.21", () => {
    expect(applyArchSettings({}, settings, "0.20")["mirrors"]).toEqual({
      "spacktainers-cache": "s3://cache",
    });
  });

  it("writes the endpoint into the mirror entry", () => {
    const env = applyArchSettings(
      {},
      { ...settings, mirrorEndpoint: "https://s3.example.org" },
      "0.23",
    );
    expect(env["mirrors"]).toEqual({
      "buildcache-destination": { url: "s3://cache", endpoint_url: "https://s3.example.org" },
    });
  });

  it("adds the default branch's cache as a second, fetch-only mirror", () => {
    const env = applyArchSettings(
      {},
      {
        ...settings,
        mirrorUrl: "s3://dev",
        readOnlyMirrorUrl: "s3://cache",
        mirrorEndpoint: "https://s3.example.org",
      },
      "0.23",
    );
    expect(env["mirrors"]).toEqual({
      "buildcache-destination": { url: "s3://dev", endpoint_url: "https://s3.example.org" },
      "spacktainers-default-branch": { url: "s3://cache", endpoint_url: "https://s3.example.org" },
    });
  });

  it("adds the base requirement before the definition's own", () => {
    const env = applyArchSettings({ packages: { all: { require: "+mpi" } } }, settings, "0.23");
    expect(env["packages"]).toEqual({ all: { require: [settings.baseArch, "+mpi"] } });
  });

  it.each([
    {
      case: "the original's form: packages.all.require is the placeholder",
      template: { packages: { all: { require: "%BASE_ARCH%" } } },
      packages: { all: { require: settings.baseArch } },
    },
    {
      case: "anywhere else, inside a longer string, in lists",
      template: {
        packages: {
          gcc: { require: ["%BASE_ARCH% +binutils"] },
          all: { require: ["%BASE_ARCH%", "+mpi"] },
        },
      },
      packages: {
        gcc: { require: [`${settings.baseArch} +binutils`] },
        all: { require: [settings.baseArch, "+mpi"] },
      },
    },
  ])("replaces %BASE_ARCH% wherever it appears: $case", ({ template, packages }) => {
    expect(applyArchSettings(template, settings, "0.23")["packages"]).toEqual(packages);
  });

  it("puts tags, image and variables on the existing pipeline-gen jobs and adds missing ones", () => {
    const env = applyArchSettings(
      { ci: { "pipeline-gen": [{ "build-job": { timeout: "4h", variables: { A: "1" } } }] } },
      settings,
      "0.23",
    );
    const entries = (env["ci"] as { "pipeline-gen": Record<string, Record<string, unknown>>[] })[
      "pipeline-gen"
    ];
    expect(entries[0]!["build-job"]).toEqual({
      timeout: "4h",
      tags: ["k8s"],
      image: { name: "reg/builder:t-amd64", entrypoint: [""] },
      variables: { A: "1", CPU: "4" },
    });
    expect(entries.map((e) => Object.keys(e)[0])).toEqual(["build-job", "reindex-job", "noop-job"]);
  });
});
