import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { runProcess } from "../../../common/src/run.js";
import { repoOption, configOption } from "./options.js";

/** `jc clean-branches`: its options, help and action. */
export function cleanBranchesCommand(): Command {
  return new Command("clean-branches")
    .description(
      "delete the SIF files of branches that no longer exist from the containers buckets",
    )
    .addOption(repoOption())
    .addOption(configOption())
    .option("--remote <name-or-url>", "git remote whose branches are alive", "origin")
    .option("-n, --dry-run", "say what would be deleted, delete nothing")
    .addHelpText(
      "after",
      "\nSIF files built off the default branch record their branch in the object metadata; a file\n" +
        "whose branch is not on the remote any more is deleted, with its archived copies. Files of\n" +
        "the default branch have no branch metadata and are never deleted. Bucket credentials come\n" +
        "from the CI variables named in architectures.<arch>.containers.credentials.\n",
    )
    .action(async (opts: { repo: string; config: string; remote: string; dryRun?: boolean }) => {
      const { containersStore } = await import("../commands/online-services.js");
      const { cleanBranches } = await import("../commands/clean-branches.js");

      await cleanBranches(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          remote: opts.remote,
          dryRun: Boolean(opts.dryRun),
        },
        {
          run: runProcess,
          bucket: (arch) => containersStore(arch, process.env),
        },
        consoleOutput,
      );
    });
}
