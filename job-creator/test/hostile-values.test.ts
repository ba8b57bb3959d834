import { copyFile, mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { scriptsBelow } from "../../test/helpers/job-scripts.js";
import { findInjections, type ScriptJob } from "../../test/helpers/shell-sandbox.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

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

type Doc = Record<string, unknown>;

/** Sets (or, for `{key}`, renames into) the value at a dotted path. */
function place(config: Doc, path: string, value: string): void {
  const parts = path.split(".");
  const last = parts.pop()!;
  let node = config as Record<string, unknown>;
  for (const part of parts) node = (node[part] ??= /^\d+$/.test(part) ? [] : {}) as Doc;
  if (last !== "{key}") node[last] = value;
  else {
    const [first] = Object.keys(node);
    node[value] = first === undefined ? "1.0" : node[first];
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- renaming a key is the test
    if (first !== undefined) delete node[first];
  }
}

async function hostileRepo(mutate: (repo: string, config: Doc) => Promise<void> | void) {
  const repo = await exampleRepo();
  const config = load(await readFile(join(repo, "spacktainers.config.yaml"), "utf8")) as Doc;
  // Every value under attack present first: a deploy target, a proxy, a publish registry.
  (config["architectures"] as Doc)["amd64"] = {
    ...((config["architectures"] as Doc)["amd64"] as Doc),
    proxy: true,
    deploy: { runnerTags: ["cluster"], path: "/gpfs/containers" },
  };
  config["proxy"] = { HTTP_PROXY: "http://proxy.example.org:3128" };
  config["publish"] = [
    {
      name: "hub",
      registry: "docker.io",
      namespace: "org",
      credentials: { userVariable: "HUB_USER", passwordVariable: "HUB_PASSWORD" },
    },
  ];
  await rename(
    join(repo, "container_definitions/amd64/neuron.yaml"),
    join(repo, "container_definitions/amd64/_neuron.yaml"),
  );
  await mutate(repo, config);
  await writeFile(join(repo, "spacktainers.config.yaml"), dump(config));
  return repo;
}

/** Runs every command that writes job scripts; stops at the first that refuses the input. */
async function generateAll(
  repo: string,
): Promise<{ code: number; stderr: string; jobs: ScriptJob[] }> {
  const config = load(await readFile(join(repo, "spacktainers.config.yaml"), "utf8")) as Doc;
  const arch = Object.keys(config["architectures"] as Doc)[0]!;
  // Each Spack container's lock where its generate job would leave it (the large fixture holds gromacs).
  const locks = join(repo, "locks");
  for (const entry of await readdir(join(repo, "container_definitions", arch))) {
    if (entry.startsWith("_") || entry.endsWith(".def")) continue;
    const name = entry.replace(/\.ya?ml$/, "");
    await mkdir(join(locks, name), { recursive: true });
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
      join(locks, name, "spack.lock"),
    );
  }
  const spackOutput = join(repo, "spack-output");
  await mkdir(spackOutput);
  await copyFile(
    join(SPACK_FIXTURES, "scenarios-v0.21/small/pipeline.yml"),
    join(spackOutput, "small.yml"),
  );
  const runs = [
    ["create-jobs", "--offline", "-r", repo],
    ["entry-pipeline", "-r", repo, "-o", join(repo, "entry.yml")],
    [
      "generate-spacktainer-workflow",
      "--offline",
      "-r",
      repo,
      "-a",
      arch,
      "-l",
      locks,
      "-o",
      join(repo, "workflow"),
      "--artifacts-path",
      "workflow",
    ],
    [
      "process-spack-pipeline",
      "-r",
      repo,
      "-a",
      arch,
      "-d",
      spackOutput,
      "-o",
      join(repo, "cache"),
      "--artifacts-path",
      "cache",
    ],
  ];
  for (const args of runs) {
    const t = performance.now();
    const result = await runCaptured(buildProgram(), args);
    if (process.env["PROF"]) console.error(args[0], Math.round(performance.now() - t));
    if (result.code !== 0) return { code: result.code, stderr: result.stderr, jobs: [] };
  }
  return { code: 0, stderr: "", jobs: await scriptsBelow(repo) };
}

/**
 * The script lines the payload could run from: those holding it in their text or in their
 * job's variables (every other line runs the same whatever the value).
 */
const carrying = (jobs: readonly ScriptJob[]): ScriptJob[] =>
  jobs.flatMap((job) => {
    const inVariables = Object.values(job.variables).some((v) => v.includes("PWNED"));
    const lines = inVariables ? job.lines : job.lines.filter((l) => l.includes("PWNED"));
    return lines.length ? [{ ...job, lines }] : [];
  });

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
