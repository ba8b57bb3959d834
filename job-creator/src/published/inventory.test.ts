import { describe, expect, it } from "vitest";
import { archOfTag, imageFacts, sifFilesOfArch, tagsOfArch } from "./inventory.js";
import { renderListings, formatSize } from "./listing.js";

const ARCHS = [
  { name: "amd64", tagSuffix: "" },
  { name: "arm64", tagSuffix: "-arm64" },
];

describe("archOfTag", () => {
  it.each<[string, string | undefined]>([
    ["2023.3", "amd64"],
    ["2023.3-arm64", "arm64"],
    ["2023.3__fix-arm64", "arm64"],
    ["3.20__amd64", "amd64"],
    ["3.20__arm64", "arm64"],
    ["3.20__feature__arm64", "arm64"],
  ])("%s belongs to %s", (tag, arch) => {
    expect(archOfTag(tag, ARCHS)).toBe(arch);
  });

  it("belongs to none when no arch has an empty suffix and none matches", () => {
    expect(archOfTag("1.0-ppc", [{ name: "arm64", tagSuffix: "-arm64" }])).toBeUndefined();
  });
});

describe("tagsOfArch", () => {
  const tags = [
    "2023.3",
    "2023.3-archived-20261201T100000Z",
    "2023.3-archived-20261130T100000Z",
    "2023.3-arm64",
    "2023.3-arm64-archived-20261201T100000Z",
    "2022.1-archived-20250101T000000Z",
    "2023.3-archived-notastamp",
  ];

  it("groups live tags with their archives, newest first, and keeps tags only archives are left of", () => {
    expect(
      tagsOfArch(tags, "amd64", ARCHS).map((g) => [g.tag, g.live, g.archives.map((a) => a.stamp)]),
    ).toEqual([
      ["2022.1", false, ["20250101T000000Z"]],
      ["2023.3", true, ["20261201T100000Z", "20261130T100000Z"]],
      // An archive mark without a stamp is an ordinary tag.
      ["2023.3-archived-notastamp", true, []],
    ]);
    expect(tagsOfArch(tags, "arm64", ARCHS).map((g) => [g.tag, g.archives.length])).toEqual([
      ["2023.3-arm64", 1],
    ]);
  });
});

describe("sifFilesOfArch", () => {
  const objects = [
    "containers/gromacs__2023.3.sif",
    "containers/gromacs__2023.3-arm64.sif",
    "containers/archive/gromacs__2023.3.20261201T100000Z.sif",
    "containers/archive/gromacs__2022.1.20250101T000000Z.sif",
    "containers/archive/gromacs__2023.3.1.20261201T100000Z.sif",
    "containers/gromacs-plus__1.0.sif",
    "containers/gromacs__2023.3.sif.partial",
    "containers/gromacs__x/nested.sif",
  ].map((key) => ({ key }));

  it("finds the arch's files of exactly this container, with their archives", () => {
    const files = sifFilesOfArch(objects, "containers/", "gromacs", "amd64", ARCHS);
    expect(files.map((f) => [f.tag, Boolean(f.object), f.archives.map((a) => a.name)])).toEqual([
      ["2022.1", false, ["containers/archive/gromacs__2022.1.20250101T000000Z.sif"]],
      ["2023.3", true, ["containers/archive/gromacs__2023.3.20261201T100000Z.sif"]],
      // `2023.3.1`'s archive is not `2023.3`'s.
      ["2023.3.1", false, ["containers/archive/gromacs__2023.3.1.20261201T100000Z.sif"]],
    ]);
    expect(
      sifFilesOfArch(objects, "containers/", "gromacs", "arm64", ARCHS).map((f) => f.key),
    ).toEqual(["containers/gromacs__2023.3-arm64.sif"]);
  });
});

describe("imageFacts", () => {
  it("reads what the build job labels, and leaves out what is not there", () => {
    expect(
      imageFacts({
        "org.opencontainers.image.created": "2026-12-01T10:00:00Z",
        "org.opencontainers.image.revision": "abc",
        "org.spacktainers.input.definition": "",
        other: "x",
      }),
    ).toEqual({ built: "2026-12-01T10:00:00Z", revision: "abc" });
    // Labels are whatever the image's pusher wrote: no terminal control gets through.
    expect(imageFacts({ "org.opencontainers.image.created": "2026\x1b]52;c;eA==\x07" })).toEqual({
      built: "2026]52;c;eA==",
    });
  });
});

describe("renderListings", () => {
  it("prints a block per container and arch, archives under their tag or file", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(3 * 1024 ** 3)).toBe("3.0 GiB");
    const lines = renderListings([
      {
        name: "gromacs",
        arch: "amd64",
        kind: "spack",
        registries: [
          {
            place: "registry",
            repository: "registry.example.org/p/spacktainers/gromacs",
            tags: [
              {
                tag: "2023.3",
                digest: `sha256:${"1".repeat(64)}`,
                facts: { built: "2026-12-01T10:00:00Z", spackCommit: "f".repeat(40) },
                archives: [
                  {
                    tag: "2023.3-archived-20261130T080000Z",
                    stamp: "20261130T080000Z",
                    digest: `sha256:${"2".repeat(64)}`,
                  },
                ],
              },
            ],
          },
          { place: "public", repository: "docker.io/p/gromacs", tags: [], error: "HTTP 401" },
        ],
        sif: {
          bucket: "s3://assets",
          files: [
            {
              key: "containers/gromacs__2023.3.sif",
              size: 2048,
              sha256: "5".repeat(64),
              archives: [
                {
                  key: "containers/archive/gromacs__2023.3.20261130T080000Z.sif",
                  stamp: "20261130T080000Z",
                  size: 1024,
                },
              ],
            },
          ],
        },
      },
    ]);
    expect(lines).toEqual([
      "gromacs for amd64",
      "  registry  registry.example.org/p/spacktainers/gromacs",
      `    2023.3  111111111111  built 2026-12-01T10:00:00Z  spack ffffffffffff`,
      "      archived  2023.3-archived-20261130T080000Z  222222222222",
      "  public  docker.io/p/gromacs",
      "    cannot be read: HTTP 401",
      "  sif  s3://assets",
      "    containers/gromacs__2023.3.sif  2.0 KiB  sha256 555555555555",
      "      archived  containers/archive/gromacs__2023.3.20261130T080000Z.sif  1.0 KiB",
    ]);
  });
});
