import { existsSync } from "node:fs";
import { appendFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { runJc } from "./cli.js";
import { BAD_REPO_CASES } from "./bad-input-cases.js";

const TSX = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

const createJobs = (repo: string, mode: "--offline" | "--plan") =>
  runCaptured(buildProgram(), ["create-jobs", "--offline", mode, "--repo", repo]);

describe("bad input", () => {
  it.each(BAD_REPO_CASES)(
    "$name: clear message, exit code 2, nothing written",
    async ({ breakRepo, expected }) => {
      const repo = await exampleRepo();
      await breakRepo(repo);
      const { code, stderr } = await createJobs(repo, "--offline");
      for (const pattern of expected) expect(stderr).toMatch(pattern);
      expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace for bad input
      expect(code).toBe(2);
      expect(existsSync(join(repo, "generated"))).toBe(false);
    },
  );

  it("reports problems of several files in one run", async () => {
    const repo = await exampleRepo();
    await writeFile(join(repo, "container_definitions/amd64/a.yaml"), "spack: {}\n");
    await writeFile(join(repo, "container_definitions/arm64/b.def"), "Bootstrap: docker\n");
    const { code, stderr } = await createJobs(repo, "--offline");
    expect(code).toBe(2);
    expect(stderr).toMatch(/a\.yaml:1: spack\.specs: missing/);
    expect(stderr).toMatch(/b\.def:1: no `From:` line/);
  });

  it("warns about definitions it ignores: outside an architecture folder, near-misses of known names", async () => {
    const repo = await exampleRepo();
    await writeFile(join(repo, "container_definitions/stray.yaml"), "spack:\n  specs: [zlib]\n");
    await writeFile(
      join(repo, "container_definitions/amd64/gromacs/Dockerfile.epilog"),
      "RUN true\n",
    );
    await writeFile(join(repo, "container_definitions/amd64/gromacs/spack\n.yml"), "");
    const { code, stdout } = await createJobs(repo, "--plan");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /skipped container_definitions\/stray\.yaml: ignored \(not in an architecture folder/,
    );
    expect(stdout).toMatch(
      /skipped container_definitions\/amd64\/gromacs\/Dockerfile\.epilog: ignored; did you mean Dockerfile\.epilogue\?/,
    );
    // A name with a line break is shown escaped, on one line.
    expect(stdout).toMatch(
      /skipped container_definitions\/amd64\/gromacs\/"spack\\n\.yml": ignored; did you mean spack\.ya?ml\?/,
    );
  });

  it("ends quietly with exit 0 when its reader stops early (| head -1)", async () => {
    const repo = await exampleRepo();
    // A plan larger than a pipe's buffer (64 KiB), so writing goes on after the reader left;
    // a pipeline of that many jobs needs an instance that allows them.
    await appendFile(join(repo, "spacktainers.config.yaml"), "limits:\n  maxJobsPerFile: 2000\n");
    for (let i = 0; i < 600; i++)
      await writeFile(
        join(repo, `container_definitions/amd64/c${i}.yaml`),
        `spack:\n  specs: [zlib@1.3.${i} +optimize +pic +shared]\n`,
      );
    const result = spawnSync(
      "bash",
      [
        "-c",
        `node --import ${TSX} ${join(REPO_ROOT, "job-creator/src/main.ts")} create-jobs --plan --offline -r ${repo} | head -c 10; exit \${PIPESTATUS[0]}`,
      ],
      {
        encoding: "utf8",
      },
    );
    expect(result.stdout).toBe("plan (defa");
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
    expect(result.status).toBe(0);
  });

  it.each([
    ["a folder that is not there", (d: string) => join(d, "nope"), "no such folder"],
    ["a file", (d: string) => join(d, "spack.yaml"), "a file, not a folder"],
    ["a loop of links", (d: string) => join(d, "loop"), "a loop of symbolic links"],
  ])(
    "names a --repo that is %s as the mistake, not the configuration file",
    async (_, path, why) => {
      const repo = await exampleRepo();
      await symlink(join(repo, "loop"), join(repo, "loop"));
      for (const command of ["create-jobs", "images", "entry-pipeline"]) {
        const { code, stderr } = await runCaptured(buildProgram(), [command, "-r", path(repo)]);
        expect(code).toBe(2);
        expect(stderr).toContain(`argument '${path(repo)}' is invalid. ${why}`);
        expect(stderr).not.toContain("spacktainers.config.yaml");
      }
    },
  );

  // One spawned run: the real entry point's exit code and streams.
  it("exits 2 on an unknown option and shows how to get help", () => {
    const { code, stderr } = runJc(["create-jobs", "--nope"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option '--nope'/);
  });
});
