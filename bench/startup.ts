/**
 * How long a `jc` command takes as a CI job runs it: a fresh process, modules loaded, the
 * bundled examples read and written, offline. The reference is Node starting and exiting
 * (`node -e ""`), measured in the same run; medians of seven runs of the built package.
 * The other benchmarks start their clocks after the modules are loaded; this one is the part
 * they leave out.
 */
import { cp, copyFile, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAsync } from "../test/helpers/process.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";

const RUNS = process.env["BENCH_QUICK"] === "1" ? 3 : 7;
const JC = join(REPO_ROOT, "dist/job-creator/src/main.js");

/** Median and fastest wall time of `args` run by Node, in seconds. */
async function timed(args: readonly string[]): Promise<{ median: number; min: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = await runAsync(process.execPath, args, { cwd: REPO_ROOT });
    if (result.code !== 0)
      throw new Error(`node ${args.join(" ")} failed (exit ${result.code}): ${result.stderr}`);
    times.push((performance.now() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

const build = await runAsync(
  process.execPath,
  [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  { cwd: REPO_ROOT },
);
if (build.code !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);

const work = await mkdtemp(join(tmpdir(), "startup-bench-"));
try {
  const repo = join(work, "repo");
  for (const entry of [
    "container_definitions",
    "spack.yaml",
    "spacktainers.config.yaml",
    "builder",
    "runtime",
    "singularitah",
    "spacktainer",
  ])
    await cp(join(REPO_ROOT, entry), join(repo, entry), { recursive: true });
  // Two Spack containers with the large fixture's lock file (no fixture lock holds NEURON).
  await rename(
    join(repo, "container_definitions/amd64/neuron.yaml"),
    join(repo, "container_definitions/amd64/_neuron.yaml"),
  );
  for (const name of ["gromacs", "py-scientific"]) {
    await mkdir(join(repo, "locks", name), { recursive: true });
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
      join(repo, "locks", name, "spack.lock"),
    );
  }
  const branch = ["--branch", "main", "--default-branch", "main"];
  const cases: [string, string[]][] = [
    ["node -e '' (reference)", ["-e", ""]],
    ["jc --help", [JC, "--help"]],
    ["jc create-jobs --offline", [JC, "create-jobs", "--offline", "-r", repo, ...branch]],
    [
      "jc generate-spacktainer-workflow --offline",
      [
        JC,
        "generate-spacktainer-workflow",
        "--offline",
        "-r",
        repo,
        "-a",
        "amd64",
        "--lock-dir",
        join(repo, "locks"),
        "-o",
        join(work, "workflow"),
        "--artifacts-path",
        "workflow",
        ...branch,
      ],
    ],
  ];
  console.log(`\njc start-up: the bundled examples, offline, built package, median of ${RUNS}`);
  console.log(
    "command                                       median (s)  fastest (s)  / node start",
  );
  let reference = 0;
  for (const [name, args] of cases) {
    const { median, min } = await timed(args);
    reference ||= median;
    console.log(
      `${name.padEnd(44)}  ${median.toFixed(3).padStart(10)}  ${min.toFixed(3).padStart(11)}  ${(median / reference).toFixed(1).padStart(12)}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
