import { spawnSync } from "node:child_process";
import { mkdir, readFile, readdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const jc = (args: readonly string[]) => runCaptured(buildProgram(), args);

/** Every file below `dir` with its content: what "nothing touched" compares. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path] = await readFile(path, "utf8");
    }
  }
  return out;
}

async function spackOutputs(repo: string): Promise<string> {
  const dir = join(repo, "spack-output");
  await mkdir(dir);
  await writeFile(
    join(dir, "small.yml"),
    await readFile(join(SPACK_FIXTURES, "scenarios-v0.21/small/pipeline.yml")),
  );
  return dir;
}

describe("output folders", () => {
  const create = (r: string, out: string) => ["create-jobs", "--offline", "-r", r, "-o", out];
  const processSpack = (r: string, i: string, out: string) => [
    "process-spack-pipeline",
    "-r",
    r,
    "-a",
    "amd64",
    "-d",
    i,
    "-o",
    out,
    "--artifacts-path",
    "x",
  ];
  const workflow = (r: string, out: string) => [
    "generate-spacktainer-workflow",
    "--offline",
    "-r",
    r,
    "-a",
    "amd64",
    "-o",
    out,
    "--artifacts-path",
    "x",
  ];
  const cases: [string, (repo: string, input: string) => string[]][] = [
    ["create-jobs -o container_definitions", (r) => create(r, "container_definitions")],
    ["create-jobs -o container_definitions/amd64", (r) => create(r, "container_definitions/amd64")],
    ["create-jobs -o . (the repository root)", (r) => create(r, ".")],
    ["create-jobs -o ''", (r) => create(r, "")],
    ["create-jobs -o builder", (r) => create(r, "builder")],
    ["create-jobs -o a regular file", (r) => create(r, "spack.yaml")],
    ["create-jobs -o a folder of someone else's", (r) => create(r, "spacktainer")],
    ["process-spack-pipeline -o its input", (r, i) => processSpack(r, i, i)],
    ["process-spack-pipeline -o inside its input", (r, i) => processSpack(r, i, join(i, "out"))],
    [
      "process-spack-pipeline -o container_definitions",
      (r, i) => processSpack(r, i, join(r, "container_definitions")),
    ],
    ["process-spack-pipeline -o the repository root", (r, i) => processSpack(r, i, r)],
    [
      "process-spack-pipeline -o a regular file",
      (r, i) => processSpack(r, i, join(r, "spack.yaml")),
    ],
    [
      "generate-spacktainer-workflow -o container_definitions",
      (r) => workflow(r, join(r, "container_definitions")),
    ],
  ];

  it.each(cases)("%s: exit 2, nothing touched", async (_, args) => {
    const repo = await exampleRepo();
    const input = await spackOutputs(repo);
    const before = await snapshot(repo);
    const result = await jc(args(repo, input));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /error: .*(overlaps|repository root|is a file|is empty|did not write)/,
    );
    expect(await snapshot(repo)).toEqual(before);
  });

  // The generated jobs name these folders in their scripts: `cp -rf/spack_envs/...` would
  // read the folder as options.
  it.each([
    ["create-jobs -o -rf", (r: string) => create(r, "-rf")],
    ["create-jobs -o 'a b'", (r: string) => create(r, "a b")],
    ["create-jobs -o '$(id)'", (r: string) => create(r, "$(id)")],
    [
      "generate-spacktainer-workflow --generated-dir -x",
      (r: string) => [...workflow(r, join(r, "out")), "--generated-dir", "-x"],
    ],
    ["entry-pipeline --generated-dir -x", (r: string) => ["entry-pipeline", "-r", r, "-g", "-x"]],
  ])("%s: a folder the jobs could not name safely, exit 2, nothing touched", async (_, args) => {
    const repo = await exampleRepo();
    const before = await snapshot(repo);
    const result = await jc(args(repo));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/may hold only letters, digits, .* not start with "-" or "."/);
    expect(result.stdout).toBe("");
    expect(await snapshot(repo)).toEqual(before);
  });

  it("removes what a run killed halfway left beside its folder, not what a live run is writing", async () => {
    const repo = await exampleRepo();
    const dead = spawnSync("true").pid; // has exited: its id names no process
    const leftovers = [`.generated.tmp-${dead}-1`, `.generated.tmp-${dead}-1-old`];
    const live = `.generated.tmp-${process.pid}-2`;
    for (const name of [...leftovers, live]) {
      await mkdir(join(repo, name, "spack_envs"), { recursive: true });
      await writeFile(join(repo, name, "generated_pipeline.yaml"), "half\n");
    }
    const result = await jc(["create-jobs", "--offline", "-r", repo]);
    expect(result.code, result.stderr).toBe(0);
    const entries = await readdir(repo);
    for (const name of leftovers) expect(entries).not.toContain(name);
    expect(entries).toContain(live);
    expect(entries.filter((e) => e.includes(".tmp-"))).toEqual([live]);
  });

  it("writes an absolute -o inside the repository where it says, and keeps only this run's files", async () => {
    const repo = await exampleRepo();
    const out = join(repo, "out", "gen");
    const first = await jc(["create-jobs", "--offline", "-r", repo, "-o", out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`wrote ${join(out, "generated_pipeline.yaml")}`);
    expect(await readdir(join(out, "spack_envs/amd64"))).toContain("gromacs");
    expect(await readFile(join(out, "generated_pipeline.yaml"), "utf8")).toContain(
      "out/gen/spack_envs",
    );
    // Turned off with what builds on it (on its own, that would be refused).
    for (const entry of ["gromacs", "gromacs-analysis.def"])
      await rename(
        join(repo, "container_definitions/amd64", entry),
        join(repo, "container_definitions/amd64", `_${entry}`),
      );
    expect((await jc(["create-jobs", "--offline", "-r", repo, "-o", out])).code).toBe(0);
    expect(await readdir(join(out, "spack_envs/amd64"))).not.toContain("gromacs");
  });

  it("refuses a folder holding files it did not write, and replaces its own", async () => {
    const repo = await exampleRepo();
    await mkdir(join(repo, "notes"));
    await writeFile(join(repo, "notes", "todo.txt"), "mine");
    const refused = await jc(["create-jobs", "--offline", "-r", repo, "-o", "notes"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/notes holds files spacktainers did not write/);
    expect(await readFile(join(repo, "notes", "todo.txt"), "utf8")).toBe("mine");
    for (let run = 0; run < 2; run++)
      expect((await jc(["create-jobs", "--offline", "-r", repo, "-o", "mine"])).code).toBe(0);
    expect(await readdir(join(repo, "mine"))).toContain(".spacktainers-output");
  });

  it("refuses an -o outside the repository: the jobs could not find it", async () => {
    const repo = await exampleRepo();
    const result = await jc([
      "create-jobs",
      "--offline",
      "-r",
      repo,
      "-o",
      join(repo, "..", "elsewhere"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is outside the repository/);
  });
});

describe("file system faults", () => {
  const faults: [string, (dir: string) => Promise<void>, RegExp][] = [
    [
      "a symlink loop",
      async (d) => {
        await symlink("loop-b.yaml", join(d, "loop-a.yaml"));
        await symlink("loop-a.yaml", join(d, "loop-b.yaml"));
      },
      /loop-a\.yaml: cannot read: a loop of symbolic links/,
    ],
    [
      "a dangling symlink",
      (d) => symlink("nowhere.yaml", join(d, "dangling.yaml")),
      /dangling\.yaml: cannot read: no such file \(or a symbolic link to nothing\)/,
    ],
    [
      "a folder where a definition file should be",
      (d) => mkdir(join(d, "odd.yaml", "x"), { recursive: true }).then(() => undefined),
      /odd\.yaml\/: a container folder needs a spack\.yaml/,
    ],
  ];
  it.each(faults)(
    "%s: exit 2 with the path and what to do, nothing written",
    async (_, make, message) => {
      const repo = await exampleRepo();
      await make(join(repo, "container_definitions/amd64"));
      const result = await jc(["create-jobs", "--offline", "-r", repo]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/This is a bug/);
      expect(await readdir(repo)).not.toContain("generated");
    },
  );
});
