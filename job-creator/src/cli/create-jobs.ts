import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { InputError } from "../../../common/src/errors.js";
import { runProcess } from "../../../common/src/run.js";
import { selectionFrom, type SelectionFlags } from "../definitions/selection.js";
import {
  addGenerationOptions,
  branchesOf,
  selectionOptions,
  serviceTuning,
  type GenerationFlags,
} from "./options.js";

interface CreateJobsFlags extends GenerationFlags, SelectionFlags {
  outputDir: string;
  plan?: boolean;
  json?: boolean;
}

/** `jc create-jobs`: its options, help and action. */
export function createJobsCommand(): Command {
  const command = new Command("create-jobs")
    .description(
      "read the definitions and the spack.yaml template, write the generated child pipeline",
    )
    .option(
      "-o, --output-dir <dir>",
      "where to write, relative to --repo (jobs refer to it)",
      "generated",
    )
    .option("--plan", "print the plan and write nothing: the registry is asked unless --offline")
    .option("--json", "with --plan: the plan as JSON");
  for (const option of selectionOptions(true)) command.addOption(option);
  return addGenerationOptions(command, {
    repo: "repository root holding container_definitions/ and spack.yaml",
    offline: "ask no registry or git server: plan every base image as missing",
  })
    .addHelpText(
      "after",
      "\nWrites <output-dir>/generated_pipeline.yaml and <output-dir>/spack_envs/<arch>/<name>/spack.yaml.\n" +
        "Off the default branch the development cache bucket is used.\n\n" +
        "Without --offline, each base image is looked up in the registry (credentials from the CI\n" +
        "variables named in registry.credentials) and rebuilt only when missing or changed; the\n" +
        "Spack commit comes from `git ls-remote`. A registry error fails the run: it is never\n" +
        "taken for a missing image.\n\n" +
        "--only, --arch and --force (or the CI variables SPACKTAINERS_ONLY, SPACKTAINERS_ARCH,\n" +
        "SPACKTAINERS_FORCE, SPACKTAINERS_REBUILD_PACKAGES set in GitLab's Run pipeline form) build\n" +
        "part of the containers: the plan lists what is left out and why. A partial run skips the\n" +
        "build cache cleaning (it sees only the selected containers' lock files). Unknown names are\n" +
        "an error that lists the known ones.\n\n" +
        "Examples:\n" +
        "  jc create-jobs --offline          # preview on a laptop, no network\n" +
        "  jc create-jobs --plan             # what would be built, asking the registry\n" +
        "  jc create-jobs --plan --offline --json\n" +
        "  jc create-jobs                    # in CI: check the registry, write the pipeline\n" +
        "  jc create-jobs --plan --offline --only gromacs --arch amd64 --force gromacs\n",
    )
    .action(async (opts: CreateJobsFlags) => {
      const { createJobs, offlineServices } = await import("../commands/create-jobs.js");

      if (opts.json && !opts.plan) throw new InputError("--json: only with --plan");
      // The network's modules (the AWS SDK, GitLab's client) load only for a run that asks.
      const services = opts.offline
        ? offlineServices
        : (await import("../commands/online-services.js")).onlineServices(
            process.env,
            runProcess,
            serviceTuning(opts),
          );
      const branches = await branchesOf(opts);
      await createJobs(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          outputDir: opts.outputDir,
          planOnly: Boolean(opts.plan),
          json: Boolean(opts.json),
          selection: selectionFrom(opts, process.env),
          ...branches,
        },
        services,
        consoleOutput,
      );
    });
}
