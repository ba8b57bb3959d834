import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { Config } from "../src/config/schema.js";
import { archiveImages } from "../src/commands/archive-images.js";
import { containersStore, registryLogins } from "../src/commands/online-services.js";
import { rollback, type RollbackOptions } from "../src/commands/rollback.js";
import { buildProgram } from "../src/program.js";
import { RegistryTagClient } from "../src/registry/tag-client.js";
import { publishingRepo } from "../../test/helpers/files.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { runCaptured } from "../../test/helpers/program.js";
import { RegistryPusher, useTestRegistries } from "../../test/helpers/registry.js";
import { TEST_CREDENTIALS, useTestS3 } from "../../test/helpers/s3.js";

// Archives before replacement and rollbacks, against the real docker-registry (the project's,
// and an htpasswd one as the publish registry) and s3rver for the SIF files.

const registries = useTestRegistries({ username: "publisher", password: "publish-pass-41" });
const s3 = useTestS3("archive-rollback");
const ENV = {
  CI_REGISTRY: "",
  PUB_USER: "publisher",
  PUB_PASSWORD: "publish-pass-41",
  SIF_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  SIF_SECRET: TEST_CREDENTIALS.secretAccessKey,
};
const TAG = "2023.3";

/** A repository holding only a configuration: the project registry, a publish target, a bucket. */
async function world(archive = { keep: 1, maxAgeDays: 30 }) {
  const { repo, project, bucket } = await publishingRepo({
    registries,
    s3,
    archs: { amd64: "x86" },
    extra: { archive },
  });
  const own = `${project}/spacktainers/gromacs`;
  const published = `${project}/gromacs`;
  const env = { ...ENV, CI_REGISTRY: registries.open.host };
  const tagsFor = (config: Config) =>
    new RegistryTagClient({ ...registryLogins(config, env, "push to") });
  return {
    repo,
    bucket,
    own,
    published,
    refs: [
      `${registries.open.host}/${own}:${TAG}`,
      `${registries.locked.host}/${published}:${TAG}`,
    ],
    pushers: {
      own: new RegistryPusher(registries.open),
      published: new RegistryPusher(registries.locked),
    },
    tagsFor,
    archive: (now: Date, images: string[], dryRun = false) =>
      archiveImages(
        { repoRoot: repo, configFile: "spacktainers.config.yaml", images, dryRun, now },
        tagsFor,
        memoryOutput(),
      ),
    rollback: (now: Date, extra: Partial<RollbackOptions> = {}, output = memoryOutput()) =>
      rollback(
        {
          repoRoot: repo,
          configFile: "spacktainers.config.yaml",
          name: "gromacs",
          arch: "amd64",
          only: [],
          dryRun: false,
          now,
          ...extra,
        },
        (config) => ({
          tags: tagsFor(config),
          sifBucket: (arch) => containersStore(arch, env),
          expand: (text) => text,
        }),
        output,
      ),
  };
}

type World = Awaited<ReturnType<typeof world>>;

/** Pushes a distinct image under the tag in both registries; its digests. */
async function publish(w: World, version: string) {
  const own = await w.pushers.own.pushImage(w.own, TAG, "amd64", { version });
  const published = await w.pushers.published.pushImage(w.published, TAG, "amd64", { version });
  return { own: own.digest, published: published.digest };
}

async function digestsAt(w: World, tag: string) {
  const tags = w.tagsFor({ registry: { host: registries.open.host }, publish: [] } as never);
  const [open, locked] = [registries.open.host, registries.locked.host];
  const own = await tags.manifest({ registry: open, repository: w.own }, tag);
  const published = await new RegistryTagClient({
    credentialsFor: () => ({ username: "publisher", password: "publish-pass-41" }),
    credentialHint: () => "",
  }).manifest({ registry: locked, repository: w.published }, tag);
  return { own: own?.digest, published: published?.digest };
}

const at = (iso: string) => new Date(iso);

describe("archive before replacement, then roll back", () => {
  it("restores the exact digest in every registry, and a rollback can be rolled back", async () => {
    const w = await world();
    const v1 = await publish(w, "1");
    // The pipeline's archive job, before the build and the publication replace the tag.
    const first = await w.archive(at("2026-12-01T10:00:00Z"), w.refs);
    expect(first.archived).toEqual([
      `${registries.open.host}/${w.own}:${TAG}-archived-20261201T100000Z`,
      `${registries.locked.host}/${w.published}:${TAG}-archived-20261201T100000Z`,
    ]);
    // A retried job archives nothing twice.
    expect((await w.archive(at("2026-12-01T10:05:00Z"), w.refs)).archived).toEqual([]);
    const v2 = await publish(w, "2");
    expect(await digestsAt(w, TAG)).toEqual(v2);

    const dry = memoryOutput();
    await w.rollback(at("2026-12-02T09:00:00Z"), { dryRun: true }, dry);
    expect(dry.lines.join("\n")).toMatch(/would be sha256:/);
    expect(await digestsAt(w, TAG)).toEqual(v2);

    const output = memoryOutput();
    const result = await w.rollback(at("2026-12-02T09:00:00Z"), {}, output);
    expect(result.changed).toBe(2);
    expect(await digestsAt(w, TAG)).toEqual(v1);
    expect(await digestsAt(w, `${TAG}-archived-20261202T090000Z`)).toEqual(v2);
    expect(output.lines.join("\n")).toContain(`is ${v1.own} again (archived 20261201T100000Z)`);

    // Undo the rollback: the newest archive that differs from the tag is v2.
    await w.rollback(at("2026-12-02T09:30:00Z"), { only: ["registry", "public"] });
    expect(await digestsAt(w, TAG)).toEqual(v2);
  });

  it("with --to, every place returns to what it held then, though each archived at its own time", async () => {
    const w = await world({ keep: 5, maxAgeDays: 30 });
    const v1 = await publish(w, "1");
    await w.archive(at("2026-12-01T10:00:00Z"), [w.refs[0]!]);
    await w.archive(at("2026-12-01T10:20:00Z"), [w.refs[1]!]);
    await publish(w, "2");
    await w.archive(at("2026-12-02T10:00:00Z"), w.refs);
    await publish(w, "3");
    await w.rollback(at("2026-12-03T00:00:00Z"), { to: at("2026-12-01T09:00:00Z") });
    expect(await digestsAt(w, TAG)).toEqual(v1);
  });

  it("deletes archives beyond the retention, never one whose image another tag holds", async () => {
    const w = await world({ keep: 1, maxAgeDays: 30 });
    const old = await w.pushers.own.pushImage(w.own, `${TAG}-archived-20200101T000000Z`, "amd64", {
      v: "0",
    });
    const current = await w.pushers.own.pushImage(w.own, TAG, "amd64", { v: "1" });
    const repo = { registry: registries.open.host, repository: w.own };
    const tags = w.tagsFor({ registry: { host: registries.open.host }, publish: [] } as never);
    // An older archive of the image the tag holds now (as after a rollback).
    await tags.putManifest(
      repo,
      `${TAG}-archived-20200201T000000Z`,
      (await tags.manifest(repo, TAG))!,
    );
    const output = memoryOutput();
    const result = await archiveImages(
      {
        repoRoot: w.repo,
        configFile: "spacktainers.config.yaml",
        images: [w.refs[0]!],
        dryRun: false,
        now: at("2026-12-03T00:00:00Z"),
      },
      w.tagsFor,
      output,
    );
    // The current image was archived already (20200201): nothing new, the older unique one goes.
    expect(result.archived).toEqual([]);
    expect(result.deleted).toEqual([
      `${registries.open.host}/${w.own}:${TAG}-archived-20200101T000000Z`,
    ]);
    expect(await tags.manifest(repo, old.digest)).toBeUndefined();
    expect((await tags.manifest(repo, TAG))?.digest).toBe(current.digest);
    expect((await tags.tags(repo)).sort()).toEqual([TAG, `${TAG}-archived-20200201T000000Z`]);
  });

  it("rolls the SIF file back to its archived copy, keeping the current one", async () => {
    const w = await world();
    const key = `containers/gromacs__${TAG}.sif`;
    await s3.s3.put(w.bucket, key, "sif v2");
    await s3.s3.put(w.bucket, `containers/archive/gromacs__${TAG}.20261201T100000Z.sif`, "sif v1");
    await w.rollback(at("2026-12-02T09:00:00Z"), { only: ["sif"], tag: TAG });
    const store = s3.s3.store(w.bucket);
    expect((await store.get(key))?.body.toString()).toBe("sif v1");
    expect(
      (await store.get(`containers/archive/gromacs__${TAG}.20261202T090000Z.sif`))?.body.toString(),
    ).toBe("sif v2");
  });
});

describe("jc rollback's bad input", () => {
  const jc = async (args: string[]) => {
    for (const [name, value] of Object.entries({ ...ENV, CI_REGISTRY: registries.open.host }))
      vi.stubEnv(name, value);
    onTestFinished(() => void vi.unstubAllEnvs());
    return runCaptured(buildProgram(), args);
  };

  it.each<[string, string[], RegExp]>([
    [
      "an unknown arch",
      ["gromacs", "--arch", "ppc64le"],
      /--arch ppc64le is not configured; the configured are: amd64/,
    ],
    ["a hostile name", ["$(id)", "--arch", "amd64"], /"\$\(id\)" is not a safe container name/],
    [
      "a time that is none",
      ["gromacs", "--arch", "amd64", "--to", "yesterday"],
      /--to "yesterday" is no time/,
    ],
    [
      "an unknown place",
      ["gromacs", "--arch", "amd64", "--only", "dockerhub"],
      /--only dockerhub: no such place; the places are registry, public, sif/,
    ],
    [
      "nothing archived",
      ["gromacs", "--arch", "amd64"],
      /has no archived tags of gromacs for amd64: nothing to roll back/,
    ],
  ])("refuses %s with exit 2", async (_name, args, message) => {
    const w = await world();
    const result = await jc(["rollback", ...args, "--repo", w.repo]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it.each([
    "Not A Ref",
    "127.0.0.1:5000/x/gromacs",
    `127.0.0.1:5000/x/gromacs@sha256:${"a".repeat(64)}`,
    "$(id)",
  ])(
    "archive-images refuses %j, which is no registry/repository:tag, with exit 2",
    async (image) => {
      const w = await world();
      const result = await jc(["archive-images", image, "--repo", w.repo]);
      expect(result.stderr).toMatch(/is not registry\/repository:tag/);
      expect(result.code).toBe(2);
    },
  );

  it("asks for --tag when several tags of the arch have archives", async () => {
    const w = await world();
    for (const tag of ["1.0", "2.0"])
      await w.pushers.own.pushImage(w.own, `${tag}-archived-20261201T000000Z`, "amd64", { tag });
    const result = await jc(["rollback", "gromacs", "--arch", "amd64", "--repo", w.repo]);
    expect(result.stderr).toMatch(
      /archives of several tags of gromacs for amd64 \(1\.0, 2\.0\): choose one with --tag/,
    );
    expect(result.code).toBe(2);
  });
});
