import { Ajv } from "ajv";
import { load } from "js-yaml";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GITLAB_SCHEMA, REPO_ROOT } from "../../test/helpers/paths.js";
import { testArchitecture } from "../../test/helpers/files.js";
import { configJsonSchema } from "../src/config/json-schema.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { runJc } from "./cli.js";

const VALID = `stages: [build]
a:
  stage: build
  script: [echo a]
b:
  stage: build
  needs: [a]
  script: [echo b]
`;

async function file(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("jc validate", () => {
  it("accepts a valid file", async () => {
    const dir = await tempDir();
    const { code, stdout } = runJc(
      ["validate", "--schema", GITLAB_SCHEMA, await file(dir, "ok.yml", VALID)],
      dir,
    );
    expect(stdout).toMatch(/ok\.yml: valid/);
    expect(code).toBe(0);
  });

  it("reports schema errors and every limit the schema does not check", async () => {
    const dir = await tempDir();
    const many = Array.from({ length: 51 }, (_, i) => `j${i}`);
    const text = [
      "stages: [build, test]",
      ...many.map((j) => `${j}: {stage: build, script: [x]}`),
      `wide: {stage: test, script: [x], needs: [${many.join(", ")}]}`,
      "lost: {stage: test, script: [x], needs: [nowhere]}",
      "early: {stage: build, script: [x], needs: [wide]}",
      "bridge: {stage: test, trigger: {include: [{local: a.yml}]}, script: [x]}",
      "typo: {stage: test, scrip: [x]}",
      "odd: {stage: nostage, script: [x]}",
    ].join("\n");
    const { code, stdout, stderr } = runJc(
      ["validate", "--schema", GITLAB_SCHEMA, await file(dir, "bad.yml", text)],
      dir,
    );
    expect(stdout).toMatch(/bad\.yml: schema: /);
    expect(stdout).toMatch(/job "wide": 51 needs, over the limit of 50/);
    expect(stdout).toMatch(/job "lost": needs "nowhere", which is not a job of this file/);
    expect(stdout).toMatch(/job "early": needs "wide" of the later stage "test"/);
    expect(stdout).toMatch(/job "bridge": "script" is not allowed on a trigger job/);
    expect(stdout).toMatch(/job "odd": stage "nostage" is not declared/);
    expect(stderr).toMatch(/1 of 1 files are not valid for GitLab/);
    expect(code).toBe(1);
  });

  it("checks the size budget", async () => {
    const dir = await tempDir();
    const { code, stdout } = runJc(
      ["validate", "--max-file-bytes", "20", await file(dir, "big.yml", VALID)],
      dir,
    );
    expect(stdout).toMatch(/over the budget of 20/);
    expect(code).toBe(1);
  });

  it("exits 2 when the schema file is missing", async () => {
    const dir = await tempDir();
    const { code, stderr } = runJc(
      ["validate", "--schema", join(dir, "nope.json"), await file(dir, "ok.yml", VALID)],
      dir,
    );
    expect(stderr).toMatch(/nope\.json: cannot read GitLab's CI schema/);
    expect(code).toBe(2);
  });
});

describe("jc schema", () => {
  it("prints a JSON Schema with the defaults of the configuration", () => {
    const { code, stdout } = runJc(["schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.properties["limits"]!.properties!["maxNeedsPerJob"]!.default).toBe(50);
    expect(schema.properties["registry"]!.properties!["imageRoot"]!.default).toBe(
      "$CI_REGISTRY_IMAGE",
    );
  });
});

describe("spacktainers.config.schema.json", () => {
  it("is what `jc schema` prints (regenerate with `npm run jc -- schema > spacktainers.config.schema.json`)", async () => {
    expect(await readFile(join(REPO_ROOT, "spacktainers.config.schema.json"), "utf8")).toBe(
      configJsonSchema(),
    );
  });

  it("accepts the bundled configuration and every configuration jc accepts, as an editor checks it", async () => {
    // As yaml-language-server does: the committed schema, no defaults filled in first.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(
      JSON.parse(
        await readFile(join(REPO_ROOT, "spacktainers.config.schema.json"), "utf8"),
      ) as object,
    );
    const bundled = load(await readFile(join(REPO_ROOT, "spacktainers.config.yaml"), "utf8"));
    expect(validate(bundled), JSON.stringify(validate.errors)).toBe(true);
    const minimal = { architectures: { amd64: testArchitecture("x", { bucket: "abe" }) } };
    expect(validate(minimal), JSON.stringify(validate.errors)).toBe(true);
    // ...and still refuses what jc refuses.
    expect(validate({ ...minimal, architectures: { "x;y": minimal.architectures.amd64 } })).toBe(
      false,
    );
  });
});
