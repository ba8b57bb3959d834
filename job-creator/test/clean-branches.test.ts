import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../common/src/errors.js";
import type { Runner } from "../../common/src/run.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { cleanBranches } from "../src/commands/clean-branches.js";
import { branchSlug } from "../src/containers/tags.js";
import { useCleanBranchesWorld } from "./clean-branches-fixture.js";

const { setup, putSif, servicesFor, s3, optionsFor } = useCleanBranchesWorld();

describe("jc clean-branches", () => {
  it("deletes the files of deleted branches, archives included, and nothing of live or default branches", async () => {
    const { dir, bucket, remote } = await setup(["Feature/Live", "feat-a"]);
    const services = servicesFor(bucket);
    // feat/a is deleted; feat-a, whose plain slug is the same, is alive: its files must go anyway.
    const featA = branchSlug("feat/a");
    await putSif(bucket, `containers/gromacs__2023.3__${featA}.sif`, featA);
    await putSif(bucket, "containers/gromacs__2023.3.sif");
    await putSif(bucket, "containers/gromacs__2023.3-arm64.sif");
    await putSif(bucket, "containers/gromacs__2023.3__feature-live.sif", "feature-live");
    await putSif(bucket, "containers/gromacs__2023.3__old-work.sif", "old-work");
    await putSif(bucket, "containers/gromacs__2023.3__old-work-arm64.sif", "old-work");
    await putSif(
      bucket,
      "containers/archive/gromacs__2023.3__old-work.20260101T000000Z.sif",
      "old-work",
    );
    await putSif(bucket, "containers/archive/gromacs__2023.3.20260101T000000Z.sif");
    // Not a SIF file of ours: never looked at.
    await s3.s3.put(bucket, "containers/README.txt", "hello");

    const dry = memoryOutput();
    await cleanBranches(optionsFor(dir, remote, true), services, dry);
    expect(dry.lines.filter((l) => l.startsWith("would delete"))).toHaveLength(4);
    expect(await s3.keysOf(bucket)).toHaveLength(9);

    const output = memoryOutput();
    const { deleted } = await cleanBranches(optionsFor(dir, remote), services, output);
    expect(deleted.sort()).toEqual([
      "containers/archive/gromacs__2023.3__old-work.20260101T000000Z.sif",
      `containers/gromacs__2023.3__${featA}.sif`,
      "containers/gromacs__2023.3__old-work-arm64.sif",
      "containers/gromacs__2023.3__old-work.sif",
    ]);
    expect(await s3.keysOf(bucket)).toEqual([
      "containers/README.txt",
      "containers/archive/gromacs__2023.3.20260101T000000Z.sif",
      "containers/gromacs__2023.3-arm64.sif",
      "containers/gromacs__2023.3.sif",
      "containers/gromacs__2023.3__feature-live.sif",
    ]);
    // Both archs share the bucket: it is cleaned once.
    expect(output.lines.filter((l) => l.includes("SIF files"))).toEqual([
      `s3://${bucket} at ${s3.s3.endpoint}: 8 SIF files, 3 of the default branch, 4 of deleted branches, 0 retired`,
    ]);
  });

  it("refuses to run when the remote lists no branches or cannot be read", async () => {
    const { dir, bucket } = await setup([]);
    const services = servicesFor(bucket);
    await putSif(bucket, "containers/gromacs__1__x.sif", "x");
    const empty: Runner = async () => ({ code: 0, stdout: "", stderr: "" });
    await expect(
      cleanBranches(
        {
          repoRoot: dir,
          configFile: "spacktainers.config.yaml",
          remote: "origin",
          dryRun: false,
          now: new Date(),
        },
        { ...services, run: empty },
        memoryOutput(),
      ),
    ).rejects.toThrow("listed no branches: refusing to treat every branch as deleted");
    const error = await cleanBranches(
      {
        repoRoot: dir,
        configFile: "spacktainers.config.yaml",
        remote: join(dir, "nowhere.git"),
        dryRun: false,
        now: new Date(),
      },
      services,
      memoryOutput(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    // git's own reason, not its generic advice ("and the repository exists.").
    expect(String(error)).toMatch(
      /git ls-remote .*nowhere\.git failed \(exit 128\): '.*nowhere\.git' does not appear to be a git repository; check --remote/,
    );
    const secret = await cleanBranches(
      {
        repoRoot: dir,
        configFile: "spacktainers.config.yaml",
        remote: "http://ci:glpat-secret@127.0.0.1:9/group/project.git",
        dryRun: false,
        now: new Date(),
      },
      services,
      memoryOutput(),
    ).catch((e: unknown) => e);
    expect(String(secret)).toMatch(
      /git ls-remote http:\/\/\*\*\*@127\.0\.0\.1:9\/group\/project\.git failed/,
    );
    expect(String(secret)).not.toContain("glpat-secret");
    expect(await s3.keysOf(bucket)).toEqual(["containers/gromacs__1__x.sif"]);
  });
});

describe("jc clean-branches retires SIF files", () => {
  it("deletes files of tags no longer built beyond the newest per container and branch, with their archives", async () => {
    const { dir, bucket, remote } = await setup(["feat"], { retire: { keep: 1, maxAgeDays: 90 } });
    const aged = async (key: string, days: number, branch?: string) => {
      await putSif(bucket, key, branch);
      await s3.s3.age(bucket, key, days);
    };
    await aged("containers/gromacs__2023.1.sif", 400);
    await aged("containers/archive/gromacs__2023.1.20250101T000000Z.sif", 400);
    await aged("containers/gromacs__2023.2.sif", 200);
    await aged("containers/gromacs__2023.3.sif", 1);
    // Alone in their group (another container, a live branch): the newest, kept whatever their age.
    await aged("containers/neuron__9.0.sif", 500);
    await aged("containers/gromacs__2023.1__feat.sif", 300, "feat");
    const options = {
      repoRoot: dir,
      configFile: "spacktainers.config.yaml",
      remote,
      now: new Date(),
    };
    const dry = memoryOutput();
    await cleanBranches({ ...options, dryRun: true }, servicesFor(bucket), dry);
    expect(await s3.keysOf(bucket)).toHaveLength(6);
    expect(dry.lines).toContain(
      `would delete s3://${bucket} at ${s3.s3.endpoint}/containers/gromacs__2023.2.sif (unchanged for over 90 days, with 1 newer files of gromacs on the default branch)`,
    );
    const { deleted } = await cleanBranches(
      { ...options, dryRun: false },
      servicesFor(bucket),
      memoryOutput(),
    );
    expect(deleted.sort()).toEqual([
      "containers/archive/gromacs__2023.1.20250101T000000Z.sif",
      "containers/gromacs__2023.1.sif",
      "containers/gromacs__2023.2.sif",
    ]);
    expect(await s3.keysOf(bucket)).toEqual([
      "containers/gromacs__2023.1__feat.sif",
      "containers/gromacs__2023.3.sif",
      "containers/neuron__9.0.sif",
    ]);
  });
});
