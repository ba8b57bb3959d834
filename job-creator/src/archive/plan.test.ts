import { describe, expect, it } from "vitest";
import {
  archivedTags,
  archivesOf,
  archiveStamp,
  archiveTag,
  chooseArchive,
  freeArchiveTime,
  parseRollbackTime,
  planRetention,
  sifArchiveKey,
  sifArchivesOf,
  stampTime,
} from "./plan.js";

const AT = new Date("2026-12-03T02:15:09.123Z");

describe("archive names", () => {
  it("stamps UTC times so that they sort as they read, and reads them back", () => {
    expect(archiveStamp(AT)).toBe("20261203T021509Z");
    expect(stampTime("20261203T021509Z")?.toISOString()).toBe("2026-12-03T02:15:09.000Z");
  });

  it.each(["", "20261203", "20261203T0215Z", "20261303T021509Z", "2026-12-03T02:15:09Z", "x"])(
    "reads %j as no stamp",
    (stamp) => {
      expect(stampTime(stamp)).toBeUndefined();
    },
  );

  it("names the archive of a tag, and refuses one longer than a tag may be", () => {
    expect(archiveTag("2023.3-arm64", AT)).toBe("2023.3-arm64-archived-20261203T021509Z");
    expect(archiveTag("x".repeat(103), AT)).toEqual({
      error: expect.stringMatching(/longer than 128 characters/) as unknown,
    });
  });

  it("names an archive by the first free second, so that two within one second never collide", () => {
    const taken = archivesOf(["t-archived-20261203T021509Z", "t-archived-20261203T021510Z"], "t");
    expect(archiveStamp(freeArchiveTime(AT, taken))).toBe("20261203T021511Z");
    expect(archiveStamp(freeArchiveTime(AT, []))).toBe("20261203T021509Z");
  });

  it("finds the archives of one tag only, newest first", () => {
    const tags = [
      "2023.3",
      "2023.3-archived-20261101T000000Z",
      "2023.3-archived-20261203T021509Z",
      "2023.3-arm64-archived-20261201T000000Z",
      "2023.3-archived-garbage",
      "2023.30-archived-20261202T000000Z",
    ];
    expect(archivesOf(tags, "2023.3").map((a) => a.stamp)).toEqual([
      "20261203T021509Z",
      "20261101T000000Z",
    ]);
    expect(archivedTags(tags)).toEqual(["2023.3", "2023.3-arm64", "2023.30"]);
  });

  it("names and finds archived SIF files as sif-store.sh writes them", () => {
    const key = "containers/gromacs__2023.3.sif";
    expect(sifArchiveKey(key, AT)).toBe("containers/archive/gromacs__2023.3.20261203T021509Z.sif");
    expect(sifArchiveKey("app.sif", AT)).toBe("archive/app.20261203T021509Z.sif");
    const keys = [
      key,
      "containers/archive/gromacs__2023.3.20261201T000000Z.sif",
      "containers/archive/gromacs__2023.3.20261202T000000Z.sif",
      "containers/archive/gromacs__2023.3-arm64.20261202T000000Z.sif",
      "containers/archive/gromacs__2023.3.20261202T000000Z.sif.partial",
    ];
    expect(sifArchivesOf(keys, key).map((a) => a.name)).toEqual([
      "containers/archive/gromacs__2023.3.20261202T000000Z.sif",
      "containers/archive/gromacs__2023.3.20261201T000000Z.sif",
    ]);
  });
});

describe("planRetention", () => {
  const archives = archivesOf(
    [
      "t-archived-20261202T000000Z",
      "t-archived-20261120T000000Z",
      "t-archived-20261001T000000Z",
      "t-archived-20260901T000000Z",
    ],
    "t",
  );
  const now = new Date("2026-12-03T00:00:00Z");

  it.each<[string, { keep: number; maxAgeDays: number }, boolean[]]>([
    [
      "the newest N whatever their age, then by age",
      { keep: 1, maxAgeDays: 30 },
      [true, true, false, false],
    ],
    ["all within the age", { keep: 0, maxAgeDays: 365 }, [true, true, true, true]],
    ["count alone when the age is short", { keep: 3, maxAgeDays: 1 }, [true, true, true, false]],
    ["nothing when both are zero", { keep: 0, maxAgeDays: 0 }, [false, false, false, false]],
  ])("%s", (_name, retention, kept) => {
    const fates = planRetention(archives, retention, now);
    expect(fates.map((f) => f.keep)).toEqual(kept);
    for (const fate of fates) expect(fate.reason).not.toBe("");
  });
});

describe("chooseArchive", () => {
  // Archived when replaced: b was current until Dec 2, a until Dec 1.
  const archives = [
    { name: "t-archived-20261202T000000Z", stamp: "20261202T000000Z", digest: "sha256:b" },
    { name: "t-archived-20261201T000000Z", stamp: "20261201T000000Z", digest: "sha256:a" },
  ].map((a) => ({ ...a, time: stampTime(a.stamp)! }));
  const time = (iso: string) => new Date(iso);

  it.each<[string, string | undefined, Date | undefined, string]>([
    ["the newest archive", "sha256:c", undefined, "20261202T000000Z"],
    ["skipping one that holds the current image", "sha256:b", undefined, "20261201T000000Z"],
    [
      "what it held at a time: the oldest archive after it",
      "sha256:c",
      time("2026-11-30T00:00:00Z"),
      "20261201T000000Z",
    ],
    ["between two replacements", "sha256:c", time("2026-12-01T12:00:00Z"), "20261202T000000Z"],
  ])("%s", (_name, current, to, stamp) => {
    expect(chooseArchive(archives, current, to)).toMatchObject({ restore: { stamp } });
  });

  it.each<[string, string, Date]>([
    ["nothing replaced since then", "sha256:c", time("2026-12-02T12:00:00Z")],
    ["it holds that image again", "sha256:a", time("2026-11-30T00:00:00Z")],
  ])("changes nothing when %s", (_name, current, to) => {
    expect(chooseArchive(archives, current, to)).toHaveProperty("unchanged");
  });

  it.each<[string, typeof archives, string | undefined, RegExp]>([
    ["none at all", [], "sha256:c", /no archive to roll back to/],
    [
      "only copies of the current image",
      archives.slice(0, 1),
      "sha256:b",
      /every archive holds what the tag holds now/,
    ],
  ])("refuses %s", (_name, list, current, error) => {
    const chosen = chooseArchive(list, current, undefined);
    expect("error" in chosen && chosen.error).toMatch(error);
  });
});

describe("parseRollbackTime", () => {
  it.each<[string, string]>([
    ["20261203T021509Z", "2026-12-03T02:15:09.000Z"],
    ["2026-12-03T02:15:09Z", "2026-12-03T02:15:09.000Z"],
    ["2026-12-03T03:15+01:00", "2026-12-03T02:15:00.000Z"],
  ])("reads %s", (text, iso) => {
    expect((parseRollbackTime(text) as Date).toISOString()).toBe(iso);
  });

  it.each(["yesterday", "2026-12-03", "2026-12-03T02:15:09", "$(id)", ""])("refuses %j", (text) => {
    expect(parseRollbackTime(text)).toEqual({
      error: expect.stringMatching(/is no time/) as unknown,
    });
  });
});
