import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { runProcess } from "../../../common/src/run.js";
import { addCleanupOptions } from "./options.js";

/** `jc clean-deployed`: its options, help and action. */
export function cleanDeployedCommand(): Command {
  return addCleanupOptions(
    new Command("clean-deployed")
      .description(
        "delete the deployed SIF copies of branches that no longer exist (on the deploy runner)",
      )
      .requiredOption(
        "-a, --arch <arch>",
        "architecture, as configured (its deploy.path is cleaned)",
      ),
  )
    .addHelpText(
      "after",
      "\nThe deploy jobs copy each SIF file to architectures.<arch>.deploy.path as <name>__<tag>.sif;\n" +
        "off the default branch the tag carries the branch (<version>__<branch>…). This deletes the\n" +
        "copies whose branch is not on the remote any more. Only regular files directly in that\n" +
        "folder and named so are looked at: nothing outside it, no symlink, whatever the branch name.\n" +
        "The entry pipeline runs it on the deploy runner (job `clean deployed copies for <arch>`).\n\n" +
        "Example:\n" +
        "  jc clean-deployed --arch amd64 --dry-run\n",
    )
    .action(
      async (opts: {
        arch: string;
        repo: string;
        config: string;
        remote: string;
        dryRun?: boolean;
      }) => {
        const { cleanDeployed } = await import("../commands/clean-deployed.js");
        await cleanDeployed(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            arch: opts.arch,
            remote: opts.remote,
            dryRun: Boolean(opts.dryRun),
          },
          runProcess,
          consoleOutput,
        );
      },
    );
}
