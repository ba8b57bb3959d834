import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { listImages } from "../src/commands/images.js";
import { publishedImagesServices } from "../src/commands/online-services.js";
import { buildProgram } from "../src/program.js";
import { publishingRepo } from "../../test/helpers/files.js";
import { runCaptured } from "../../test/helpers/program.js";
import { RegistryPusher, useTestRegistries } from "../../test/helpers/registry.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";

// jc images against the real docker-registry (the project's, and an htpasswd one standing for a
// publish registry) and s3rver holding the SIF files.

const registries = useTestRegistries({ username: "reader", password: "read-pass-77" });
const s3 = useTestS3("images");
const ENV = {
  PUB_USER: "reader",
  PUB_PASSWORD: "read-pass-77",
  SIF_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  SIF_SECRET: TEST_CREDENTIALS.secretAccessKey,
};

async function world() {
  const { repo, project, bucket } = await publishingRepo({
    registries,
    s3,
    archs: { amd64: "x86", arm64: "arm" },
  });
  await mkdir(join(repo, "container_definitions/amd64"), { recursive: true });
  await writeFile(
    join(repo, "container_definitions/amd64/gromacs.yaml"),
    dump({ spack: { specs: ["gromacs@2023.3"] } }),
  );
  await writeFile(
    join(repo, "container_definitions/amd64/tool.def"),
    "Bootstrap: docker\nFrom: alpine:3.20\n",
  );
  const env = { ...ENV, CI_REGISTRY: registries.open.host };
  return {
    repo,
    bucket,
    project,
    env,
    own: new RegistryPusher(registries.open),
    published: new RegistryPusher(registries.locked),
    list: (name?: string, archs: string[] = []) =>
      listImages(
        {
          repoRoot: repo,
          configFile: "spacktainers.config.yaml",
          ...(name ? { name } : {}),
          archs,
        },
        (config) => publishedImagesServices(config, env),
      ),
  };
}

const SIF_META = { "container-checksum": "c".repeat(64), sha256: "5".repeat(64) };

describe("jc images", () => {
  it("lists each arch's tags with labels, archives and the Spack commit, and the SIF files", async () => {
    const w = await world();
    const builder = `${registries.open.host}/${w.project}/builder:0123abcd-amd64`;
    await w.own.pushImage(`${w.project}/builder`, "0123abcd-amd64", "amd64", {
      "org.spacktainers.spack.commit": "f".repeat(40),
    });
    const labels = {
      "org.opencontainers.image.created": "2026-12-01T10:00:00Z",
      "org.spacktainers.container.checksum": "a".repeat(64),
      "org.spacktainers.input.definition": "1758af95232fc467",
      "org.spacktainers.builder-image": builder,
    };
    const repo = `${w.project}/spacktainers/gromacs`;
    const live = await w.own.pushImage(repo, "2023.3", "amd64", labels);
    const old = await w.own.pushImage(repo, "2023.3-archived-20261130T080000Z", "amd64", {});
    await w.own.pushImage(repo, "2023.3-arm64", "arm64", {});
    // A tag whose live image is gone, only its archive is left.
    await w.own.pushImage(repo, "2022.1-archived-20250101T000000Z", "amd64", {});
    const pub = await w.published.pushImage(`${w.project}/gromacs`, "2023.3", "amd64", labels);
    await s3.s3.put(w.bucket, "containers/gromacs__2023.3.sif", "sif v2", SIF_META);
    await s3.s3.put(w.bucket, "containers/archive/gromacs__2023.3.20261130T080000Z.sif", "v1");
    await s3.s3.put(w.bucket, "containers/gromacs__2023.3-arm64.sif", "arm");
    // Another container whose name starts the same way, and a `.def` container's file.
    await s3.s3.put(w.bucket, "containers/gromacs-plus__1.0.sif", "other");
    await s3.s3.put(w.bucket, "containers/tool__3.20__amd64.sif", "tool");

    const { listings, failed } = await w.list(undefined, ["amd64"]);
    expect(failed).toBe(0);
    expect(listings.map((l) => `${l.name}/${l.arch}/${l.kind}`)).toEqual([
      "gromacs/amd64/spack",
      "tool/amd64/custom",
    ]);
    const [gromacs, tool] = listings;
    const own = gromacs!.registries[0]!;
    expect(own.place).toBe("registry");
    expect(own.tags.map((t) => t.tag)).toEqual(["2022.1", "2023.3"]);
    expect(own.tags[0]).toEqual({
      tag: "2022.1",
      facts: {},
      archives: [expect.objectContaining({ tag: "2022.1-archived-20250101T000000Z" })],
    });
    expect(own.tags[1]).toEqual({
      tag: "2023.3",
      digest: live.digest,
      facts: {
        built: "2026-12-01T10:00:00Z",
        checksum: "a".repeat(64),
        definition: "1758af95232fc467",
        builderImage: builder,
        spackCommit: "f".repeat(40),
      },
      archives: [
        { tag: "2023.3-archived-20261130T080000Z", stamp: "20261130T080000Z", digest: old.digest },
      ],
    });
    expect(gromacs!.registries[1]).toMatchObject({
      place: "public",
      tags: [{ tag: "2023.3", digest: pub.digest, archives: [] }],
    });
    expect(gromacs!.sif.files).toEqual([
      expect.objectContaining({
        key: "containers/gromacs__2023.3.sif",
        size: 6,
        sha256: "5".repeat(64),
        checksum: "c".repeat(64),
        archives: [
          {
            key: "containers/archive/gromacs__2023.3.20261130T080000Z.sif",
            stamp: "20261130T080000Z",
            size: 2,
          },
        ],
      }),
    ]);
    // A `.def` container has no image: only its SIF file.
    expect(tool!.registries).toEqual([]);
    expect(tool!.sif.files.map((f) => f.key)).toEqual(["containers/tool__3.20__amd64.sif"]);

    // arm64 sees its own tag and file only, for the one container asked, defined or not.
    const arm = await w.list("gromacs", ["arm64"]);
    expect(arm.listings[0]!.kind).toBe("unknown");
    expect(arm.listings[0]!.registries[0]!.tags.map((t) => t.tag)).toEqual(["2023.3-arm64"]);
    expect(arm.listings[0]!.sif.files.map((f) => f.key)).toEqual([
      "containers/gromacs__2023.3-arm64.sif",
    ]);
  });

  it("lists what it can read and names the place it cannot", async () => {
    const w = await world();
    await w.own.pushImage(`${w.project}/spacktainers/gromacs`, "2023.3", "amd64", {});
    for (const [name, value] of Object.entries({ ...w.env, PUB_PASSWORD: "wrong" }))
      vi.stubEnv(name, value);
    onTestFinished(() => void vi.unstubAllEnvs());
    const result = await runCaptured(buildProgram(), [
      "images",
      "gromacs",
      "--arch",
      "amd64",
      "--repo",
      w.repo,
    ]);
    expect(result.stdout).toContain("gromacs for amd64");
    expect(result.stdout).toMatch(/^ {4}2023\.3 {2}[0-9a-f]{12}$/m);
    expect(result.stdout).toMatch(
      /public {2}.*\n {4}cannot be read: registry .* refused to let us list the tags .*set PUB_USER and PUB_PASSWORD/,
    );
    expect(result.stdout).not.toContain("wrong");
    expect(result.stderr).toMatch(/1 registry or bucket could not be read/);
    expect(result.code).toBe(1);
  });

  it.each<[string, string[], RegExp]>([
    ["an unknown arch", ["--arch", "ppc64le"], /--arch ppc64le is not configured/],
    ["a hostile name", ["$(id)"], /"\$\(id\)" is not a safe container name/],
    ["a name with a leading dash", ["--", "-x"], /"-x" is not a safe container name/],
  ])("refuses %s with exit 2", async (_name, args, message) => {
    const w = await world();
    const result = await runCaptured(buildProgram(), ["images", "--repo", w.repo, ...args]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });
});
