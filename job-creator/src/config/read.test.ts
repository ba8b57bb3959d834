import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../common/src/errors.js";
import { thrownBy } from "../../../test/helpers/thrown.js";
import { tempDir } from "../../../test/helpers/temp-repo.js";
import { readConfig } from "./read.js";

const MINIMAL = `architectures:
  amd64:
    runnerTags: [k8s]
    baseArch: "%gcc@12 target=x86_64_v3"
    cache:
      defaultBranch: { bucket: cache, maxAgeDays: 90 }
      otherBranches: { bucket: cache-dev, maxAgeDays: 30 }
    containers:
      bucket: sifs
`;

async function configFile(text: string): Promise<string> {
  const path = join(await tempDir(), "spacktainers.config.yaml");
  await writeFile(path, text);
  return path;
}

describe("readConfig", () => {
  it("fills in the defaults", async () => {
    const config = readConfig(await configFile(MINIMAL), "spacktainers.config.yaml");
    expect(config.registry).toEqual({
      host: "$CI_REGISTRY",
      imageRoot: "$CI_REGISTRY_IMAGE",
      credentials: { userVariable: "CI_REGISTRY_USER", passwordVariable: "CI_REGISTRY_PASSWORD" },
    });
    expect(config.limits.maxNeedsPerJob).toBe(50);
    expect(config.architectures["amd64"]!.cache.credentials.secretAccessKeyVariable).toBe(
      "AWS_SECRET_ACCESS_KEY",
    );
    expect(config.architectures["amd64"]!.proxy).toBe(false);
  });

  it("reports every problem with file, line and dotted path", async () => {
    const text =
      MINIMAL.replace("runnerTags: [k8s]", "runnerTags: k8s").replace(
        "maxAgeDays: 30",
        "maxAgeDays: soon",
      ) + "registry:\n  credentials:\n    passwordVariable: $(cat /secret)\n";
    const path = await configFile(text);
    const error = thrownBy(() => readConfig(path, "cfg.yaml"));
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toMatch(/^cfg\.yaml:3: architectures\.amd64\.runnerTags: expected array$/m);
    expect(message).toMatch(
      /^cfg\.yaml:7: architectures\.amd64\.cache\.otherBranches\.maxAgeDays: expected integer$/m,
    );
    expect(message).toMatch(
      /^cfg\.yaml:12: registry\.credentials\.passwordVariable: must match pattern .* \(the NAME of a CI\/CD variable/m,
    );
  });

  it("names a missing section", async () => {
    const path = await configFile("limits: {}\n");
    const error = thrownBy(() => readConfig(path, "cfg.yaml"));
    expect((error as Error).message).toMatch(/cfg\.yaml:1: missing required key "architectures"/);
  });
});
