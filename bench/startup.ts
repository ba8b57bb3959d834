/**
 * How long a `jc` command takes as a CI job runs it: a fresh process, modules loaded, the
 * bundled examples read and written, offline (process-spack-pipeline reads one small Spack
 * output). The reference is Node starting and exiting
 * (`node -e ""`), measured in the same run; medians of seven runs of the built package.
 * The other benchmarks start their clocks after the modules are loaded; this one is the part
 * they leave out.
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAsync } from "../test/helpers/process.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import {
  addLocks,
  copyExampleInputs,
  processArgs,
  workflowArgs,
} from "../test/helpers/temp-repo.js";

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
  await copyExampleInputs(repo);
  const locks = await addLocks(repo);
  // Spack's output of one generate job (v0.21), where process-spack-pipeline reads it.
  const spackOutputs = join(work, "spack-output");
  await mkdir(join(spackOutputs, "gromacs"), { recursive: true });
  await copyFile(
    join(SPACK_FIXTURES, "versions/v0.21-small.yaml"),
    join(spackOutputs, "gromacs", "pipeline.yml"),
  );
  const branch = ["--branch", "main", "--default-branch", "main"];
  const cases: [string, string[]][] = [
    ["node -e '' (reference)", ["-e", ""]],
    ["jc --help", [JC, "--help"]],
    ["jc create-jobs --offline", [JC, "create-jobs", "--offline", "-r", repo, ...branch]],
    [
      "jc process-spack-pipeline (v0.21 small)",
      [JC, ...processArgs(repo, spackOutputs, join(work, "process"), "process")],
    ],
    [
      "jc generate-spacktainer-workflow --offline",
      [JC, ...workflowArgs(repo, "amd64", locks, join(work, "workflow"), "workflow"), ...branch],
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
