import { copyFile, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { branchSlug } from "../src/containers/tags.js";
import { describe, expect, it } from "vitest";
import { InputError, UserError } from "../../common/src/errors.js";
import { runProcess, type Runner } from "../../common/src/run.js";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { offlineWorkflowServices } from "../src/commands/generate-workflow.js";
import { onlineWorkflowServices } from "../src/commands/online-services.js";
import type { SpackTarget } from "../src/containers/targets.js";
import {
  FAST,
  INCREMENTAL_LOCK,
  LARGE_LOCK,
  SECRETS,
  decisionOf,
  useWorkflowFixture,
} from "./workflow-fixture.js";
import { commandsOf } from "../../test/helpers/job-scripts.js";

const { setup, generate, completeJobs } = useWorkflowFixture();

describe("jc generate-spacktainer-workflow", () => {
  it("builds, converts and publishes what the registry and bucket lack, then nothing", async () => {
    const s = await setup();
    const first = await generate(s.repo);
    expect(first.jobs.sort()).toEqual([
      "archive replaced images for amd64",
      "build gromacs container for amd64",
      "create gromacs sif file for amd64",
      "create gromacs-analysis sif file for amd64",
      "create nexus-storage sif file for amd64",
      "deploy gromacs sif file for amd64",
      "deploy gromacs-analysis sif file for amd64",
      "deploy nexus-storage sif file for amd64",
      "publish gromacs to public for amd64",
    ]);
    const gromacs = decisionOf(first.decisions, "gromacs").target as SpackTarget;
    // The version is the lock file's, not the definition's request.
    expect(gromacs.tag).toBe("2023.3");
    expect(gromacs.sifKey).toBe("containers/gromacs__2023.3.sif");
    const sifJob = first.doc["create gromacs sif file for amd64"] as { needs: unknown[] };
    expect(sifJob.needs).toEqual([{ job: "build gromacs container for amd64", artifacts: false }]);
    expect(first.log).toContain("gromacs:2023.3: build (image missing)");

    await completeJobs(s, first.decisions);
    const second = await generate(s.repo);
    expect(second.jobs).toEqual(["containers of amd64 are up to date"]);
    expect(second.log).toContain("gromacs:2023.3: up to date");
    expect(second.text).toContain("every container of amd64 is built, converted and published");
    // No job reads a build context: none is written (nor uploaded as an artifact).
    expect((await readdir(second.outputDir)).sort()).toEqual([
      ".spacktainers-output",
      "spacktainer_pipeline.md",
      "spacktainer_pipeline.yaml",
    ]);
    expect(second.log).toContain("and 0 build contexts");
  });

  it("writes the Dockerfile, environment, lock file and copied files as the build context", async () => {
    const s = await setup();
    const { outputDir } = await generate(s.repo);
    const context = join(outputDir, "gromacs");
    const dockerfile = await readFile(join(context, "Dockerfile"), "utf8");
    expect(dockerfile).toContain(
      'COPY ["files/0/entrypoint.sh","/usr/local/bin/gromacs-entrypoint"]',
    );
    expect(dockerfile).toContain("# From Dockerfile.epilogue\nENV OMP_NUM_THREADS=1");
    expect(dockerfile).toContain('COPY --from=builder ["/opt/software","/opt/software"]');
    expect(await readFile(join(context, "files/0/entrypoint.sh"), "utf8")).toBe(
      await readFile(
        join(s.repo, "container_definitions/amd64/gromacs/files/entrypoint.sh"),
        "utf8",
      ),
    );
    expect(await readFile(join(context, "spack-env/spack.lock"), "utf8")).toBe(
      await readFile(LARGE_LOCK, "utf8"),
    );
    expect(await readFile(join(context, "spack-env/spack.yaml"), "utf8")).toBe(
      await readFile(join(s.repo, "generated/spack_envs/amd64/gromacs/spack.yaml"), "utf8"),
    );
    // The .def is pinned to the digest its SIF metadata records.
    const def = await readFile(join(outputDir, "nexus-storage/nexus-storage.def"), "utf8");
    expect(def).toContain(
      `From: ${s.registryHost}/${s.project}/upstream/nexus-storage@${s.upstream.digest}`,
    );
  });

  it("rebuilds image and SIF when the definition changes", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    await writeFile(
      join(s.repo, "container_definitions/amd64/gromacs/Dockerfile.epilogue"),
      "ENV OMP_NUM_THREADS=2\n",
    );
    const after = await generate(s.repo);
    // gromacs-analysis.def builds on gromacs: its SIF file is made again too.
    expect(after.jobs.sort()).toEqual([
      "archive replaced images for amd64",
      "build gromacs container for amd64",
      "create gromacs sif file for amd64",
      "create gromacs-analysis sif file for amd64",
      "deploy gromacs sif file for amd64",
      "deploy gromacs-analysis sif file for amd64",
      "publish gromacs to public for amd64",
    ]);
    expect(after.log).toMatch(/build \(image differs: org\.spacktainers\.container\.checksum/);
  });

  it("rebuilds when only the lock file changes", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    await copyFile(INCREMENTAL_LOCK, join(s.locks, "gromacs/spack.lock"));
    const after = await generate(s.repo);
    expect(after.jobs).toContain("build gromacs container for amd64");
    expect(after.log).toMatch(/image differs: org\.spacktainers\.spack-lock\.sha256/);
    expect(after.jobs).not.toContain("create nexus-storage sif file for amd64");
    // The build reads its context; the .def container converts nothing and has none.
    expect(await readdir(after.outputDir)).toContain("gromacs");
    expect(await readdir(after.outputDir)).not.toContain("nexus-storage");
  });

  it("makes only the SIF file when only the SIF file is missing, needing no build", async () => {
    const s = await setup();
    const first = await generate(s.repo);
    await completeJobs(s, first.decisions);
    await s.store.deleteBatch(["containers/gromacs__2023.3.sif"]);
    const after = await generate(s.repo);
    expect(after.jobs.sort()).toEqual([
      "create gromacs sif file for amd64",
      "deploy gromacs sif file for amd64",
    ]);
    expect((after.doc["create gromacs sif file for amd64"] as { needs: unknown[] }).needs).toEqual(
      [],
    );
    // A Spack container's SIF job reads the image, not the build context.
    expect(await readdir(after.outputDir)).not.toContain("gromacs");
  });

  it("rebuilds a .def container's SIF when its source image's digest changes", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const moved = await s.pusher.pushImage(
      `${s.project}/upstream/nexus-storage`,
      "1.10.0",
      "amd64",
      { "org.example.rebuilt": "yes" },
    );
    const after = await generate(s.repo);
    expect(after.jobs.sort()).toEqual([
      "create nexus-storage sif file for amd64",
      "deploy nexus-storage sif file for amd64",
    ]);
    expect(after.log).toContain("nexus-storage:1.10.0__amd64: SIF (SIF file differs: digest");
    const nexus = decisionOf(after.decisions, "nexus-storage").target;
    expect(nexus.sifMetadata["digest"]).toBe(moved.digest);
  });

  it("names the .def file whose source image does not exist", async () => {
    const s = await setup();
    await writeFile(
      join(s.repo, "container_definitions/amd64/nexus-storage.def"),
      `Bootstrap: docker\nFrom: ${s.registryHost}/${s.project}/upstream/missing:1.0\n`,
    );
    await expect(generate(s.repo)).rejects.toThrow(
      /container_definitions\/amd64\/nexus-storage\.def: the From: image .*missing:1\.0 does not exist/,
    );
  });

  it("publishes nothing off the default branch, and tags with the branch", async () => {
    const s = await setup();
    await completeJobs(s, (await generate(s.repo)).decisions);
    const feature = await generate(s.repo, { branch: "Feature/Faster-IO" });
    expect(feature.jobs.sort()).toEqual([
      "archive replaced images for amd64",
      "build gromacs container for amd64",
      "create gromacs sif file for amd64",
      "create gromacs-analysis sif file for amd64",
      "create nexus-storage sif file for amd64",
      "deploy gromacs sif file for amd64",
      "deploy gromacs-analysis sif file for amd64",
      "deploy nexus-storage sif file for amd64",
    ]);
    // The slug changed the branch name, so its identity carries a hash of the name.
    const id = branchSlug("Feature/Faster-IO");
    expect(id).toMatch(/^feature-faster-io-[0-9a-f]{8}$/);
    expect(decisionOf(feature.decisions, "gromacs").target.tag).toBe(`2023.3__${id}`);
    expect(decisionOf(feature.decisions, "nexus-storage").target.tag).toBe(`1.10.0__${id}__amd64`);
    expect(feature.log).toContain("publishing is skipped off the default branch");
  });

  it("suffixes tags of other arches", async () => {
    const s = await setup();
    const arm = await generate(s.repo, { arch: "arm64" });
    expect(decisionOf(arm.decisions, "py-scientific").target.tag).toBe("1.11.3-arm64");
    expect(arm.jobs).toContain("build py-scientific container for arm64");
  });

  it("puts no credential value into jobs, logs or files, and never prints a config file", async () => {
    const s = await setup();
    const { text, log, outputDir } = await generate(s.repo);
    const files = await readdir(outputDir, { recursive: true });
    for (const secret of [SECRETS.REG_PASSWORD, SECRETS.PUB_PASSWORD, SECRETS.SIF_SECRET]) {
      expect(text).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
    expect(files.join("\n")).not.toMatch(/s3cfg|credentials/);
    const doc = load(text) as Record<string, { script?: string[]; before_script?: string[] }>;
    const lines = Object.values(doc).flatMap((job) =>
      typeof job === "object" && job && "script" in job
        ? [...(job.before_script ?? []), ...commandsOf(job)]
        : [],
    );
    for (const line of lines) {
      expect(line).not.toMatch(
        /\bcat\b|s3cmd --configure|--password[ =]|echo .*PASSWORD|\bprintenv\b|^env\b|set -x/,
      );
      if (line.includes("login")) expect(line).toContain("--password-stdin");
    }
    expect(lines.some((l) => l.includes('"$PUB_PASSWORD" | buildah login'))).toBe(true);
  });

  it("fails on a refused registry login instead of rebuilding", async () => {
    const s = await setup();
    await expect(
      generate(s.repo, {
        services: onlineWorkflowServices({ ...SECRETS, PUB_PASSWORD: "wrong" }, runProcess, FAST),
      }),
    ).rejects.toThrow(/set PUB_USER and PUB_PASSWORD to an account that can pull/);
  });

  it("concretizes through spack when no lock folder is given, and shows spack's output when it fails", async () => {
    const s = await setup();
    const calls: string[][] = [];
    // Spack cannot run here: this runner stands in for it and leaves a real lock file.
    const spack: Runner = async (command, args) => {
      calls.push([command, ...args]);
      await copyFile(LARGE_LOCK, join(args[1]!, "spack.lock"));
      return { code: 0, stdout: "==> Concretized gromacs", stderr: "" };
    };
    const offline = offlineWorkflowServices(spack);
    const result = await generate(s.repo, { lockDir: null, services: offline });
    expect(calls).toEqual([
      ["spack", "-e", join(s.repo, "generated/spack_envs/amd64/gromacs"), "concretize", "-f"],
    ]);
    expect(decisionOf(result.decisions, "gromacs").target.tag).toBe("2023.3");

    const failing: Runner = async () => ({
      code: 1,
      stdout: "",
      stderr: "==> Error: gromacs: conflicts with '+mpi ~double'",
    });
    const error = await generate(s.repo, {
      lockDir: null,
      services: offlineWorkflowServices(failing),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(String(error)).toContain('spack concretize failed for container "gromacs"');
    expect(String(error)).toContain("conflicts with '+mpi ~double'");

    // Spack is not installed here: the real runner says so, and what to do instead.
    const noSpack = await generate(s.repo, {
      lockDir: null,
      services: offlineWorkflowServices(runProcess),
    }).catch((e: unknown) => e);
    expect(noSpack).toBeInstanceOf(UserError);
    expect(String(noSpack)).toMatch(/cannot run spack: .*pass --lock-dir/);
  });

  it("names the container whose lock file is missing or lacks its main package", async () => {
    const s = await setup();
    await rm(join(s.locks, "gromacs/spack.lock"));
    const missing = await generate(s.repo).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect(String(missing)).toMatch(/gromacs\/spack\.lock: no spack\.lock for container "gromacs"/);
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/small/spack.lock"),
      join(s.locks, "gromacs/spack.lock"),
    );
    const wrong = await generate(s.repo).catch((e: unknown) => e);
    expect(String(wrong)).toContain(
      'container "gromacs": the concrete environment has no spec of the main package "gromacs"',
    );
  });

  it("writes a valid pipeline and Dockerfiles for the bundled examples offline", async () => {
    const s = await setup();
    const result = await generate(s.repo, { services: offlineWorkflowServices(runProcess) });
    expect(result.jobs).toContain("build gromacs container for amd64");
    expect(result.log).toContain("not checked (offline)");
  });
});
