import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { describeInputs } from "../src/base-images/inputs.js";
import { BASE_IMAGES } from "../src/base-images/plan.js";
import { readConfig } from "../src/config/read.js";

/** ARG names a Dockerfile declares (before or after FROM). */
function declaredArgs(dockerfile: string): Set<string> {
  return new Set(
    [...dockerfile.matchAll(/^\s*(?:ONBUILD\s+)?ARG\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]!),
  );
}

describe("the base image Dockerfiles", () => {
  it.each(BASE_IMAGES)("%s declares every build argument the pipeline passes", async (image) => {
    const config = readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
    const inputs = describeInputs(image, "0".repeat(64), config, {
      branch: config.spack.branch,
      commit: "a".repeat(40),
    });
    const dockerfile = await readFile(join(REPO_ROOT, image, "Dockerfile"), "utf8");
    const declared = declaredArgs(dockerfile);
    for (const arg of Object.keys(inputs.buildArgs)) expect(declared, arg).toContain(arg);
    // The OS comes from the configuration, as does every version and the Spack revision.
    expect(inputs.buildArgs["BASE_IMAGE"]).toBe(config.images.os);
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
  });

  it("passes the Spack revision and tool versions the configuration names", async () => {
    const config = readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
    const revision = { branch: "releases/v0.23", commit: "b".repeat(40) };
    expect(describeInputs("builder", "0", config, revision).buildArgs).toMatchObject({
      SPACK_REPOSITORY: config.spack.repository,
      SPACK_BRANCH: "releases/v0.23",
      SPACK_COMMIT: "b".repeat(40),
    });
    expect(describeInputs("singularitah", "0", config, revision).buildArgs).toMatchObject({
      APPTAINER_VERSION: config.toolVersions["apptainer"],
      S3CMD_VERSION: config.toolVersions["s3cmd"],
    });
  });

  it("installs container environments from the cache only, with the keys as build secrets", async () => {
    const builder = await readFile(join(REPO_ROOT, "builder/Dockerfile"), "utf8");
    expect(builder).toContain("ONBUILD COPY spack-env/ /opt/spack-environment/");
    expect(builder).toContain("--use-buildcache only");
    expect(builder).toContain("--mount=type=secret,id=aws_access_key_id");
    expect(builder).not.toMatch(/ENV\s+AWS_/);
  });
});

describe("the builder's ONBUILD install step", () => {
  /** The step's shell text, as buildah runs it: continuation lines joined. */
  async function onbuildScript(): Promise<string> {
    const dockerfile = await readFile(join(REPO_ROOT, "builder/Dockerfile"), "utf8");
    const joined = dockerfile.replace(/\\\n/g, " ");
    const step = /^ONBUILD RUN --mount=\S+ --mount=\S+ (.*)$/m.exec(joined);
    if (!step) throw new Error("no ONBUILD RUN step with secrets");
    return step[1]!;
  }

  it.each([
    ["without a trailing newline (as buildah writes them)", ""],
    ["with a trailing newline", "\n"],
  ])("reads the cache keys from secret files %s", async (_, end) => {
    const dir = await tempDir();
    await writeFile(join(dir, "aws_access_key_id"), `AKIAEXAMPLE${end}`);
    await writeFile(join(dir, "aws_secret_access_key"), `s3cret/value${end}`);
    // Everything up to the keys' export, then print them instead of running Spack.
    const script = (await onbuildScript()).replaceAll("/run/secrets/", `${dir}/`);
    const upToKeys = script.slice(0, script.indexOf("fi;") + 3);
    const result = spawnSync(
      "sh",
      ["-c", `${upToKeys} printf '%s|%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"`],
      {
        encoding: "utf8",
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("AKIAEXAMPLE|s3cret/value");
  });
});

describe("singularitah's install step", () => {
  /**
   * Runs the RUN step that installs Apptainer with every external command a stand-in that
   * logs its arguments: `dpkg` says the architecture, `apt-cache madison` what the PPA has.
   */
  async function install(arch: string, ppaVersions: string[]) {
    const dir = await tempDir();
    const dockerfile = await readFile(join(REPO_ROOT, "singularitah/Dockerfile"), "utf8");
    const step = dockerfile
      .replace(/\\\n/g, " ")
      .split("\n")
      .find((l) => l.startsWith("RUN ") && l.includes("apptainer"))!
      .slice(4);
    const stub = (name: string, body: string) =>
      writeFile(join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/calls\n${body}\n`, {
        mode: 0o755,
      });
    await stub("dpkg", `echo ${arch}`);
    await stub(
      "apt-cache",
      ppaVersions.map((v) => `echo " apptainer | ${v} | http://ppa jammy/main ${arch}"`).join("\n"),
    );
    for (const name of ["apt-get", "curl", "add-apt-repository", "rm", "ln", "python3"])
      await stub(name, "exit 0");
    await mkdir(join(dir, "opt/s3cmd/bin"), { recursive: true });
    await stub("opt/s3cmd/bin/pip", "exit 0");
    const result = spawnSync(
      "bash",
      ["-c", step.replaceAll("/opt/s3cmd", join(dir, "opt/s3cmd"))],
      {
        encoding: "utf8",
        env: { PATH: `${dir}:/usr/bin:/bin`, APPTAINER_VERSION: "1.3.4", S3CMD_VERSION: "2.4.0" },
      },
    );
    const calls = await readFile(join(dir, "calls"), "utf8").catch(() => "");
    return { code: result.status, stderr: result.stderr, calls };
  }

  it("installs the release .deb on amd64", async () => {
    const { code, calls } = await install("amd64", []);
    expect(code).toBe(0);
    expect(calls).toMatch(/curl .*apptainer_1\.3\.4_amd64\.deb/);
    expect(calls).not.toMatch(/add-apt-repository/);
  });

  it("installs the same version from Apptainer's PPA on arm64 (no .deb exists there)", async () => {
    const { code, calls } = await install("arm64", ["1.4.0-1~jammy", "1.3.4-1~jammy"]);
    expect(code).toBe(0);
    expect(calls).not.toMatch(/releases\/download/);
    expect(calls).toMatch(/add-apt-repository -y ppa:apptainer\/ppa/);
    expect(calls).toMatch(/apt-get install -y --no-install-recommends apptainer=1\.3\.4-1~jammy/);
  });

  it("fails on arm64 naming what the PPA has when the version is not there", async () => {
    const { code, stderr } = await install("arm64", ["1.4.0-1~jammy"]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(
      /apptainer 1\.3\.4 is not in the PPA for arm64; it has:[\s\S]*1\.4\.0-1~jammy/,
    );
  });
});
