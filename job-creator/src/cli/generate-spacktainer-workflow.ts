import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { InputError } from "../../../common/src/errors.js";
import { runProcess } from "../../../common/src/run.js";
import { selectionFrom } from "../definitions/selection.js";
import {
  addGenerationOptions,
  branchesOf,
  selectionOptions,
  serviceTuning,
  type GenerationFlags,
} from "./options.js";

/** `jc generate-spacktainer-workflow`: its options, help and action. */
export function generateSpacktainerWorkflowCommand(): Command {
  const command = new Command("generate-spacktainer-workflow")
    .description(
      "decide which containers of one arch to build, convert to SIF and publish; write their pipeline",
    )
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .option(
      "-o, --output-dir <dir>",
      "folder to (re)write: spacktainer_pipeline.yaml and the build context of each container built",
    )
    .option("--plan", "print what would be built, converted and published, and why; write nothing")
    .option("--json", "with --plan: the decisions as JSON")
    .option(
      "-l, --lock-dir <dir>",
      "use <dir>/<container>/spack.lock instead of running `spack concretize -f` here",
    )
    .option(
      "-g, --generated-dir <dir>",
      "where jc create-jobs wrote its files, relative to --repo",
      "generated",
    )
    .option(
      "--artifacts-path <path>",
      "where the output folder is inside the job artifacts (default: --output-dir)",
    )
    .option(
      "--emulated",
      "no native runner is online (create-jobs checked): build on the arch's emulation: runners, registering qemu",
    );
  for (const option of selectionOptions(false)) command.addOption(option);
  return addGenerationOptions(command, {
    offline: "ask no registry or bucket: plan every container as missing",
  })
    .addHelpText(
      "after",
      "\nPer container of the arch: the main package (first spec) and its version in spack.lock give\n" +
        "the tag (`<version>[__<branch>][<arch suffix>]`); the image is built when the registry has no\n" +
        "image of that tag for the arch with equal labels (spack.lock sha256, container checksum), the\n" +
        "SIF file when the bucket object's metadata differ, and on the default branch the image is\n" +
        "published to each `publish:` registry whose copy differs. `.def` containers are built from the\n" +
        "digest of their From: image. Credentials come from the CI variables the configuration names.\n" +
        "A pipeline over limits.maxJobsPerFile jobs or limits.maxFileBytes runs as child pipelines:\n" +
        "spacktainer_pipeline.yaml then triggers spacktainer_pipeline-<n>.yaml, each holding whole\n" +
        "containers with those built on them.\n\n" +
        "Example (in CI, after the generate jobs):\n" +
        "  jc generate-spacktainer-workflow -a amd64 --lock-dir jobs_scratch_dir.amd64 -o spacktainer.artifacts.amd64\n",
    )
    .action(
      async (
        opts: GenerationFlags & {
          arch: string;
          outputDir?: string;
          plan?: boolean;
          json?: boolean;
          lockDir?: string;
          generatedDir: string;
          artifactsPath?: string;
          only?: string;
          from?: string;
          to?: string;
          force?: string | boolean;
          emulated?: boolean;
        },
      ) => {
        const { generateSpacktainerWorkflow, offlineWorkflowServices } =
          await import("../commands/generate-workflow.js");
        // The network's modules load only for a run that asks.
        const services = opts.offline
          ? offlineWorkflowServices(runProcess)
          : (await import("../commands/online-services.js")).onlineWorkflowServices(
              process.env,
              runProcess,
              serviceTuning(opts),
            );

        if (opts.json && !opts.plan) throw new InputError("--json: only with --plan");
        if (!opts.outputDir && !opts.plan)
          throw new InputError("-o, --output-dir is required (unless --plan)");
        const outputDir = opts.outputDir ?? ".";
        await generateSpacktainerWorkflow(
          {
            planOnly: Boolean(opts.plan),
            json: Boolean(opts.json),
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            arch: opts.arch,
            outputDir,
            artifactsDir: opts.artifactsPath ?? outputDir,
            generatedDir: opts.generatedDir,
            ...(opts.lockDir ? { lockDir: opts.lockDir } : {}),
            emulated: Boolean(opts.emulated),
            // Flags only: create-jobs wrote the selection into this job's command line.
            selection: selectionFrom({
              ...(opts.only ? { only: opts.only } : {}),
              ...(opts.force ? { force: opts.force } : {}),
              ...(opts.from ? { from: opts.from } : {}),
              ...(opts.to ? { to: opts.to } : {}),
            }),
            ...(await branchesOf(opts)),
          },
          services,
          consoleOutput,
        );
      },
    );
}
