import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
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
    const config = await readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
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
    const config = await readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
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
