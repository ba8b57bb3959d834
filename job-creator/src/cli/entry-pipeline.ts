import { join, resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { repoOption, configOption } from "./options.js";

/** `jc entry-pipeline`: its options, help and action. */
export function entryPipelineCommand(): Command {
  return new Command("entry-pipeline")
    .description("write the repository's .gitlab-ci.yml for the configured architectures")
    .addOption(repoOption())
    .addOption(configOption())
    .option("-o, --output <file>", "file to write (default: print it)")
    .option(
      "-g, --generated-dir <dir>",
      "where the generate job lets jc create-jobs write",
      "generated",
    )
    .addHelpText(
      "after",
      "\nRun it again after adding or removing an architecture in the configuration:\n" +
        "  npm run jc -- entry-pipeline -o .gitlab-ci.yml\n",
    )
    .action(
      async (opts: { repo: string; config: string; output?: string; generatedDir: string }) => {
        const { ENTRY_HEADER, buildEntryPipeline } = await import("../pipeline/entry-pipeline.js");
        const { renderPipeline } = await import("../../../common/src/ci/render.js");
        const { writeFileAtomic } = await import("../../../common/src/atomic-write.js");
        const { readConfig } = await import("../config/read.js");
        const { requireJobPath } = await import("../commands/arguments.js");

        requireJobPath(opts.generatedDir, "the generated folder", "--generated-dir");

        const configFile = join(resolve(opts.repo), opts.config);
        const config = readConfig(configFile, opts.config);
        const text = renderPipeline(buildEntryPipeline(config, opts.generatedDir), ENTRY_HEADER);
        if (!opts.output) {
          consoleOutput.out(text.trimEnd());
          return;
        }
        const { checkOutputFiles } = await import("../../../common/src/output-files.js");
        await checkOutputFiles(
          [{ flag: "--output", path: opts.output }],
          [{ path: configFile, what: "the configuration" }],
        );
        await writeFileAtomic(opts.output, text);
      },
    );
}
