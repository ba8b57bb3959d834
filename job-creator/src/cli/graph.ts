import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { positiveInt } from "./options.js";

/** `jc graph`: its options, help and action. */
export function graphCommand(): Command {
  return new Command("graph")
    .description("draw a pipeline file as a Mermaid diagram (Markdown that GitLab renders)")
    .argument("<file>", "a pipeline YAML file, e.g. generated/generated_pipeline.yaml")
    .option("-o, --output <file>", "write the Markdown there instead of printing it")
    .option(
      "--max-jobs <n>",
      "jobs of one stage and architecture drawn one by one; more become one node (default 8)",
      positiveInt,
    )
    .addHelpText(
      "after",
      "\nStages are boxes, `needs` are arrows, bridges show the file they run and, when that file\n" +
        "is beside the one drawn, how many jobs it holds. jc create-jobs, generate-spacktainer-workflow\n" +
        "and process-spack-pipeline write such a picture beside each pipeline (<name>.md).\n\n" +
        "Examples:\n" +
        "  jc graph generated/generated_pipeline.yaml\n" +
        "  jc graph spack.artifacts.amd64/spack_pipeline.yaml -o spack_pipeline.md\n",
    )
    .action(async (file: string, opts: { output?: string; maxJobs?: number }) => {
      const { graphPipeline } = await import("../commands/graph.js");
      await graphPipeline(
        {
          file,
          ...(opts.output ? { outputFile: opts.output } : {}),
          ...(opts.maxJobs ? { maxJobsPerGroup: opts.maxJobs } : {}),
        },
        consoleOutput,
      );
    });
}
