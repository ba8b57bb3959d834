import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput, httpPolicyFrom } from "../../../common/src/cli.js";
import { UserError } from "../../../common/src/errors.js";
import { addRepositoryOptions, archListOption } from "./options.js";

/** `jc images`: its options, help and action. */
export function imagesCommand(): Command {
  const command = new Command("images")
    .description(
      "list what is published: tags in the project registry and each publish registry, their archives, and SIF files",
    )
    .argument("[name]", "one container (default: every defined one); also one no longer defined")
    .addOption(archListOption())
    .option("--json", "the listing as JSON");
  return addRepositoryOptions(command)
    .addHelpText(
      "after",
      "\nPer container and architecture: each tag of the arch (Spack containers' tags end with the\n" +
        "arch's tagSuffix, .def containers' with __<arch>), the digest of its image and what its\n" +
        "labels say (build time, container checksum, definition digest, the Spack commit of the\n" +
        "builder it was built with, the project commit), its archives (<tag>-archived-<UTC time>:\n" +
        "what `jc rollback` can return to); then the SIF files in the arch's containers bucket with\n" +
        "size, upload time, sha256 and archived copies. A registry or bucket that cannot be read is\n" +
        "listed with the reason and the command exits 1 after listing the rest.\n" +
        "Credentials come from the CI variables the configuration names (pull rights suffice).\n\n" +
        "Examples:\n" +
        "  jc images\n" +
        "  jc images gromacs --arch amd64\n" +
        "  jc images gromacs --arch arm64 --json\n",
    )
    .action(
      async (
        name: string | undefined,
        opts: {
          arch: string[];
          json?: boolean;
          repo: string;
          config: string;
          timeout?: number;
          retryBudget?: number;
        },
      ) => {
        const { listImages } = await import("../commands/images.js");
        const { publishedImagesServices } = await import("../commands/online-services.js");
        const { renderListings } = await import("../published/listing.js");
        const { listings, failed } = await listImages(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            ...(name !== undefined ? { name } : {}),
            archs: opts.arch,
          },
          (config) => publishedImagesServices(config, process.env, { http: httpPolicyFrom(opts) }),
        );
        if (opts.json) consoleOutput.out(JSON.stringify(listings, null, 2));
        else for (const line of renderListings(listings)) consoleOutput.out(line);
        if (failed > 0)
          throw new UserError(
            `${failed} registr${failed === 1 ? "y or bucket" : "ies or buckets"} could not be read (above)`,
          );
      },
    );
}
