import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { repoOption, configOption } from "./options.js";

/** `jc process-spack-pipeline`: its options, help and action. */
export function processSpackPipelineCommand(): Command {
  return new Command("process-spack-pipeline")
    .description(
      "merge spack's generated pipelines of one arch and split them into child pipelines within GitLab's limits",
    )
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .requiredOption(
      "-d, --input-dir <dir>",
      "folder of `spack ci generate` outputs (files, or <container>/*.yml)",
    )
    .requiredOption(
      "-o, --output-dir <dir>",
      "folder to (re)write: spack_pipeline.yaml and the child files",
    )
    .option(
      "--artifacts-path <path>",
      "where the files are inside the job artifacts (default: --output-dir)",
    )
    .addOption(repoOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      "\nOne job per spec (by DAG hash) across all containers, ordered by the merged dependency graph.\n" +
        "Whole levels share a child file while they fit limits.maxFileBytes, maxJobsPerFile and\n" +
        "maxNeedsPerJob; a larger level is cut into files that run in parallel. spack_pipeline.yaml runs\n" +
        "the files in order through bridges; needs between files are replaced by that order.\n\n" +
        "Example:\n  jc process-spack-pipeline -a amd64 -d jobs_scratch_dir.amd64 -o spack.artifacts.amd64\n",
    )
    .action(
      async (opts: {
        arch: string;
        inputDir: string;
        outputDir: string;
        artifactsPath?: string;
        repo: string;
        config: string;
      }) => {
        const { processSpackPipeline } = await import("../commands/process-spack-pipeline.js");

        await processSpackPipeline(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            arch: opts.arch,
            inputDir: opts.inputDir,
            outputDir: opts.outputDir,
            artifactsDir: opts.artifactsPath ?? opts.outputDir,
          },
          consoleOutput,
        );
      },
    );
}
