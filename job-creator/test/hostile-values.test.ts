import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { findInjections } from "../../test/helpers/shell-sandbox.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";
import { place, hostileRepo, generateAll, carrying } from "./hostile-fixture.js";

/** Each would run `touch PWNED` if pasted into a shell line unquoted. */
const HOSTILE = [
  ";touch${IFS}PWNED;",
  "$(touch PWNED)",
  "`touch PWNED`",
  "'; touch PWNED; '",
  '"; touch PWNED; "',
  "x\ntouch PWNED\n",
  "a b; touch PWNED",
  "-x;touch PWNED",
];

/** Every string the configuration gives that can reach a job (dotted path; `{key}` renames a key). */
const CONFIG_PATHS = [
  "registry.host",
  "registry.imageRoot",
  "registry.credentials.userVariable",
  "images.builder",
  "images.runtime",
  "images.singularitah",
  "images.tools",
  "images.buildah",
  "images.os",
  "images.containers",
  "spack.repository",
  "spack.branch",
  "spack.version",
  "toolVersions.apptainer",
  "toolVersions.{key}",
  "proxy.HTTP_PROXY",
  "proxy.{key}",
  "publish.0.name",
  "publish.0.registry",
  "publish.0.namespace",
  "publish.0.credentials.passwordVariable",
  "buildJobs.timeout",
  "architectures.{key}",
  "architectures.amd64.runnerTags.0",
  "architectures.amd64.baseArch",
  "architectures.amd64.cache.defaultBranch.bucket",
  "architectures.amd64.cache.otherBranches.bucket",
  "architectures.amd64.cache.prefix",
  "architectures.amd64.cache.endpoint",
  "architectures.amd64.cache.credentials.accessKeyIdVariable",
  "architectures.amd64.containers.bucket",
  "architectures.amd64.containers.prefix",
  "architectures.amd64.containers.endpoint",
  "architectures.amd64.containers.credentials.secretAccessKeyVariable",
  "architectures.amd64.variables.KUBERNETES_CPU_REQUEST",
  "architectures.amd64.variables.{key}",
  "architectures.amd64.tagSuffix",
  "architectures.amd64.deploy.path",
  "architectures.amd64.deploy.runnerTags.0",
  "architectures.amd64.deploy.image",
];

describe("hostile values", () => {
  it("the sandbox catches an unquoted value and passes a quoted one", () => {
    const found = findInjections([
      { name: "bad", lines: ["echo x;touch PWNED"], variables: {} },
      {
        name: "good",
        lines: ["echo 'x;touch PWNED'", 'echo "$V"'],
        variables: { V: "$(touch PWNED)" },
      },
    ]);
    expect(found).toEqual(["bad line 1: echo x;touch PWNED"]);
  });

  const table = CONFIG_PATHS.flatMap((path) => HOSTILE.map((value) => [path, value] as const));
  it.each(table)("%s = %j is refused with exit 2 or never runs", async (path, value) => {
    const repo = await hostileRepo(async (dir, config) => {
      place(config, path, value);
      // A renamed architecture keeps its definitions: only the name itself is on trial.
      if (path === "architectures.{key}")
        await rename(
          join(dir, "container_definitions/amd64"),
          join(dir, "container_definitions", value),
        );
    });
    const result = await generateAll(repo);
    if (result.code !== 0) {
      expect(result.code, result.stderr).toBe(2);
      const named = path.replace(/\.\{key\}$/, "").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
      expect(result.stderr).toContain(named.split(".").slice(0, -1).join(".") || named);
      return;
    }
    expect(result.jobs.length).toBeGreaterThan(5);
    const t = performance.now();
    expect(findInjections(carrying(result.jobs))).toEqual([]);
    if (process.env["PROF"])
      console.error(
        "sandbox",
        Math.round(performance.now() - t),
        result.jobs.reduce((n, j) => n + j.lines.length, 0),
      );
  });

  it.each(HOSTILE)("--artifacts-path %j is refused with exit 2", async (value) => {
    const repo = await exampleRepo();
    for (const [command, input] of [
      ["process-spack-pipeline", "-d"],
      ["generate-spacktainer-workflow", "-l"],
    ] as const) {
      const args = [command, "-r", repo, "-a", "amd64", "-o", join(repo, "out"), input, repo];
      const result = await runCaptured(buildProgram(), [...args, "--artifacts-path", value]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/the artifacts path/);
    }
  });

  const definitions: [string, (repo: string, value: string) => Promise<void>][] = [
    [
      "a container's file name",
      (repo, v) =>
        writeFile(
          join(repo, `container_definitions/amd64/${v.replace(/\//g, "_")}.yaml`),
          "spack:\n  specs: [gromacs]\n",
        ),
    ],
    [
      "a spec",
      (repo, v) =>
        writeFile(
          join(repo, "container_definitions/amd64/extra.yaml"),
          dump({ spack: { specs: ["gromacs", `gromacs ${v}`] } }),
        ),
    ],
    [
      "a .def source image",
      (repo, v) =>
        writeFile(
          join(repo, "container_definitions/amd64/nexus-storage.def"),
          `Bootstrap: docker\nFrom: ${v}\n`,
        ),
    ],
  ];
  it.each(definitions.flatMap(([what, write]) => HOSTILE.map((v) => [what, v, write] as const)))(
    "%s = %j is refused with exit 2 or never runs",
    async (_, value, write) => {
      const repo = await hostileRepo((r) => write(r, value));
      const result = await generateAll(repo);
      if (result.code !== 0) {
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/container_definitions\/amd64\//);
        return;
      }
      expect(findInjections(carrying(result.jobs))).toEqual([]);
    },
  );
});
