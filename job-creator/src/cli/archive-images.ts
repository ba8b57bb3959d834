import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { addTagCommandOptions, tagClientFor, type TagCommandFlags } from "./options.js";

/** `jc archive-images`: its options, help and action. */
export function archiveImagesCommand(): Command {
  const command = new Command("archive-images")
    .description(
      "keep the images of tags about to be replaced as <tag>-archived-<UTC time>, then apply the retention",
    )
    .argument("<image...>", "registry/repository:tag of each tag the pipeline will replace");
  return addTagCommandOptions(command, "say what would be archived and deleted, change nothing")
    .addHelpText(
      "after",
      "\nThe container pipelines run this before their builds and publications (the job\n" +
        "`archive replaced images for <arch>`), so that `jc rollback` can undo a bad build. A tag that\n" +
        "does not exist yet is skipped; an image already archived is not archived twice. Then, per tag,\n" +
        "the newest archive.keep archives stay whatever their age and older ones than archive.maxAgeDays\n" +
        "go, unless another tag holds the same image. Credentials come from the CI variables the\n" +
        "configuration names (push rights; deletes need the registry's delete permission).\n\n" +
        "Example:\n" +
        '  jc archive-images "$CI_REGISTRY_IMAGE/spacktainers/gromacs:2023.3" --dry-run\n',
    )
    .action(async (images: string[], opts: TagCommandFlags) => {
      const { archiveImages } = await import("../commands/archive-images.js");
      await archiveImages(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          images,
          dryRun: Boolean(opts.dryRun),
          now: new Date(),
        },
        await tagClientFor(opts),
        consoleOutput,
      );
    });
}
