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
    .option(
      "--durations <file>",
      "YAML map of package name to typical build minutes (`default:` for the rest); default: buildJobs.minutes of the configuration, else 10 minutes each",
    )
    .option(
      "--index-resource-group <name>",
      "resource_group of the job that rewrites the cache index (the same as the cache's cleaner)",
    )
    .option("--json", "print the plan as JSON")
    .addOption(repoOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      "\nOne job per spec (by DAG hash) across all containers. What the jobs share is\n" +
        "written once per file (hidden templates, `extends:`). Everything goes in one\n" +
        "child file when it fits limits.maxFileBytes, maxJobsPerFile and maxNeedsPerJob;\n" +
        "otherwise the files are chosen for time: the split that a simulation of GitLab's\n" +
        "scheduling (unlimited runners, the builds' minutes from --durations) finishes\n" +
        "first, in no more files than half of the arch's equal share of\n" +
        "limits.maxPipelinesPerHierarchy (GitLab creates at most 1000 pipelines in one\n" +
        "hierarchy). In spack_pipeline.yaml each file's bridge waits only for the bridges of\n" +
        "the files holding its jobs' dependencies. The plan lists the files, what each\n" +
        "waits for, the longest chain of bridges and the estimated makespan against the\n" +
        "dependency graph's critical path.\n\n" +
        "Examples:\n" +
        "  jc process-spack-pipeline -a amd64 -d jobs_scratch_dir.amd64 -o out\n" +
        "  jc process-spack-pipeline -a amd64 -d in -o out --durations minutes.yaml\n",
    )
    .action(
      async (opts: {
        arch: string;
        inputDir: string;
        outputDir: string;
        artifactsPath?: string;
        durations?: string;
        indexResourceGroup?: string;
        json?: boolean;
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
            ...(opts.durations ? { durationsFile: opts.durations } : {}),
            ...(opts.indexResourceGroup ? { indexResourceGroup: opts.indexResourceGroup } : {}),
            ...(opts.json ? { json: true } : {}),
          },
          consoleOutput,
        );
      },
    );
}
