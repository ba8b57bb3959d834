import { PutObjectCommand } from "@aws-sdk/client-s3";
import { dump } from "js-yaml";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { branchSlug } from "../src/containers/tags.js";
import { describe, expect, it } from "vitest";
import { UserError } from "../../common/src/errors.js";
import { runProcess, type Runner } from "../../common/src/run.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { useTestS3 } from "../../test/helpers/s3.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { cleanBranches } from "../src/commands/clean-branches.js";

const s3 = useTestS3("clean-branches");

async function git(args: string[], cwd?: string) {
  const result = await runProcess(
    "git",
    [
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.org",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    cwd ? { cwd } : {},
  );
  if (result.code !== 0) throw new Error(result.stderr);
}

/** A bare remote with `main` and the given branches, and a config whose containers bucket is `bucket`. */
async function setup(branches: string[]) {
  const dir = await tempDir();
  await git(["init", "--bare", join(dir, "remote.git")]);
  await git(["init", join(dir, "work")]);
  await git(["commit", "--allow-empty", "-m", "one"], join(dir, "work"));
  for (const branch of ["main", ...branches])
    await git(["push", join(dir, "remote.git"), `HEAD:refs/heads/${branch}`], join(dir, "work"));
  const bucket = await s3.bucket();
  const containers = { bucket, endpoint: s3.s3.endpoint };
  await writeFile(
    join(dir, "spacktainers.config.yaml"),
    dump({
      architectures: {
        amd64: testArchitecture("x86", containers),
        arm64: testArchitecture("arm", containers),
      },
    }),
  );
  return { dir, bucket, remote: `file://${join(dir, "remote.git")}` };
}

async function putSif(bucket: string, key: string, branch?: string) {
  await s3.s3.client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: "sif",
      Metadata: { "container-checksum": "abc", ...(branch ? { branch } : {}) },
    }),
  );
}

const servicesFor = (bucket: string) => ({ run: runProcess, bucket: () => s3.s3.store(bucket) });

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
    await cleanBranches(
      { repoRoot: dir, configFile: "spacktainers.config.yaml", remote, dryRun: true },
      services,
      dry,
    );
    expect(dry.lines.filter((l) => l.startsWith("would delete"))).toHaveLength(4);
    expect(await s3.keysOf(bucket)).toHaveLength(9);

    const output = memoryOutput();
    const { deleted } = await cleanBranches(
      { repoRoot: dir, configFile: "spacktainers.config.yaml", remote, dryRun: false },
      services,
      output,
    );
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
      `s3://${bucket} at ${s3.s3.endpoint}: 8 SIF files, 3 of the default branch, 4 of deleted branches`,
    ]);
  });

  it("refuses to run when the remote lists no branches or cannot be read", async () => {
    const { dir, bucket } = await setup([]);
    const services = servicesFor(bucket);
    await putSif(bucket, "containers/gromacs__1__x.sif", "x");
    const empty: Runner = async () => ({ code: 0, stdout: "", stderr: "" });
    await expect(
      cleanBranches(
        { repoRoot: dir, configFile: "spacktainers.config.yaml", remote: "origin", dryRun: false },
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
