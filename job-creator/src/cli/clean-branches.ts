import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput, httpPolicyFrom, httpPolicyOptions } from "../../../common/src/cli.js";
import { runProcess } from "../../../common/src/run.js";
import { addCleanupOptions, tagClientFor } from "./options.js";

interface CleanBranchesFlags {
  repo: string;
  config: string;
  remote: string;
  dryRun?: boolean;
  timeout?: number;
  retryBudget?: number;
}

/** `jc clean-branches`: its options, help and action. */
export function cleanBranchesCommand(): Command {
  const command = addCleanupOptions(
    new Command("clean-branches").description(
      "delete the SIF files and registry tags of branches that no longer exist, and retire old SIF files",
    ),
  );
  for (const option of httpPolicyOptions()) command.addOption(option);
  return command
    .addHelpText(
      "after",
      "\nSIF files built off the default branch record their branch in the object metadata; a file\n" +
        "whose branch is not on the remote any more is deleted, with its archived copies. Files of\n" +
        "the default branch have no branch metadata and are never deleted. In the project registry,\n" +
        "the tags of deleted branches (<version>__<branch>…, and their archives) are deleted, unless\n" +
        "another tag holds the same image; a registry that refuses deletes is reported. And per\n" +
        "container and branch, SIF files beyond the newest retire.keep that are unchanged for\n" +
        "retire.maxAgeDays (tags no longer built) are deleted with their archives. Bucket\n" +
        "credentials come from the CI variables named in architectures.<arch>.containers.credentials,\n" +
        "registry ones from registry.credentials (rights to delete).\n",
    )
    .action(async (opts: CleanBranchesFlags) => {
      const { containersStore, expandVariables } = await import("../commands/online-services.js");
      const { cleanBranches } = await import("../commands/clean-branches.js");
      const tagsFor = await tagClientFor({ ...opts, access: "delete from" });

      await cleanBranches(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          remote: opts.remote,
          dryRun: Boolean(opts.dryRun),
          now: new Date(),
        },
        {
          run: runProcess,
          bucket: (arch) => containersStore(arch, process.env, httpPolicyFrom(opts)),
          registry: (config) => ({
            tags: tagsFor(config),
            expand: (text) => expandVariables(text, process.env, "registry.imageRoot"),
          }),
        },
        consoleOutput,
      );
    });
}
