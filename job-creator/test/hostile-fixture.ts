import { copyFile, mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { scriptsBelow } from "../../test/helpers/job-scripts.js";
import { type ScriptJob } from "../../test/helpers/shell-sandbox.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

export type Doc = Record<string, unknown>;

/** Sets (or, for `{key}`, renames into) the value at a dotted path. */
export function place(config: Doc, path: string, value: string): void {
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

export async function hostileRepo(mutate: (repo: string, config: Doc) => Promise<void> | void) {
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
export async function generateAll(
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
export const carrying = (jobs: readonly ScriptJob[]): ScriptJob[] =>
  jobs.flatMap((job) => {
    const inVariables = Object.values(job.variables).some((v) => v.includes("PWNED"));
    const lines = inVariables ? job.lines : job.lines.filter((l) => l.includes("PWNED"));
    return lines.length ? [{ ...job, lines }] : [];
  });
