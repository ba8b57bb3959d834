/**
 * Runs process-spack-pipeline once, timed from inside.
 * Usage: process-child <input dir> <output dir> [durations file]
 */
import { REPO_ROOT } from "../test/helpers/paths.js";
import { processSpackPipeline } from "../job-creator/src/commands/process-spack-pipeline.js";

const [inputDir, outputDir, durations] = process.argv.slice(2) as [string, string, string?];
const start = performance.now();
await processSpackPipeline(
  {
    repoRoot: REPO_ROOT,
    configFile: "spacktainers.config.yaml",
    arch: "amd64",
    inputDir,
    outputDir,
    artifactsDir: "spack.artifacts.amd64",
    ...(durations ? { durationsFile: durations } : {}),
  },
  {
    out: (line) => process.stdout.write(`BENCH_SUMMARY ${line}\n`),
    err: (line) => process.stderr.write(line + "\n"),
  },
);
process.stdout.write(`BENCH_MS ${(performance.now() - start).toFixed(0)}\n`);
