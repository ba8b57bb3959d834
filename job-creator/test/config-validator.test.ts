import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { AJV_OPTIONS } from "../../common/src/schema-check.js";
import type { Validator } from "../../common/src/schema-errors.js";
import { configValidatorSource, VALIDATOR_FILE } from "../../scripts/generate-config-validator.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { ConfigSchema } from "../src/config/schema.js";
import generated from "../src/config/validate-config.generated.js";

const ahead = generated as Validator<unknown>;
const now = new Ajv(AJV_OPTIONS).compile(ConfigSchema);

describe("the configuration's validator, compiled ahead", () => {
  it("is what scripts/generate-config-validator.ts writes (else run `npm run generate:validator`)", async () => {
    expect(await readFile(join(REPO_ROOT, VALIDATOR_FILE), "utf8")).toBe(configValidatorSource());
  });

  const minimal = () => ({ architectures: { amd64: testArchitecture("x", { bucket: "abe" }) } });
  it.each<[string, boolean, () => unknown]>([
    [
      "the bundled configuration",
      true,
      async () => load(await readFile(join(REPO_ROOT, "spacktainers.config.yaml"), "utf8")),
    ],
    ["a minimal one (defaults filled in)", true, minimal],
    ["an empty one", false, () => ({})],
    ["an unknown key", false, () => ({ ...minimal(), regsitry: {} })],
    ["a number where a string goes", false, () => ({ ...minimal(), spack: { version: 0.23 } })],
    [
      "a bucket given as a URL (a pattern with its description)",
      false,
      () => ({ architectures: { amd64: testArchitecture("x", { bucket: "s3://abe" }) } }),
    ],
    [
      "an architecture named x;y",
      false,
      () => ({ architectures: { "x;y": minimal().architectures.amd64 } }),
    ],
    ["a list where a mapping goes", false, () => ({ ...minimal(), registry: ["a"] })],
  ])("judges %s as ajv compiling the schema now does", async (_name, accepted, make) => {
    const [data, same] = [await make(), await make()];
    expect(ahead(data)).toBe(accepted);
    expect(now(same)).toBe(accepted);
    expect(data).toEqual(same);
    // As JSON: the schema objects TypeBox builds carry symbol keys, the generated ones do not.
    const json = (errors: unknown) => JSON.parse(JSON.stringify(errors ?? null)) as unknown;
    expect(json(ahead.errors)).toEqual(json(now.errors));
  });
});
