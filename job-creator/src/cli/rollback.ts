import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { consoleOutput, httpPolicyFrom } from "../../../common/src/cli.js";
import { parseRollbackTime } from "../archive/plan.js";
import { addTagCommandOptions, tagClientFor, type TagCommandFlags } from "./options.js";

const time = (text: string): Date => {
  const parsed = parseRollbackTime(text);
  if ("error" in parsed) throw new InvalidArgumentError(parsed.error);
  return parsed;
};

/** `jc rollback`: its options, help and action. */
export function rollbackCommand(): Command {
  const command = new Command("rollback")
    .description(
      "point a container's published tag and SIF file back at their archived copies (undo a bad build)",
    )
    .argument("<name>", "the container, as named under container_definitions/<arch>/")
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .option(
      "-t, --tag <tag>",
      "the tag to roll back (default: the only tag of the arch with archives)",
    )
    .addOption(
      new Option(
        "--to <time>",
        "restore what each place held at this time (an archive stamp or an ISO time with zone); default: undo the last replacement",
      ).argParser(time),
    )
    .option(
      "--only <place...>",
      "only these places: registry (the project's), a publish target's name, sif",
    );
  return addTagCommandOptions(command, "say what would change, change nothing")
    .addHelpText(
      "after",
      "\nBefore a pipeline replaces a tag, the image it held is kept as <tag>-archived-<UTC time>, and a\n" +
        "replaced SIF file as <dir>/archive/<name>.<UTC time>.sif. A rollback puts an archived manifest\n" +
        "back under the tag (the OCI API: the same digest, no layer pulled or pushed) and copies the\n" +
        "archived SIF file back in the bucket, after archiving what each held, so that a rollback can be\n" +
        "rolled back too. Credentials come from the CI variables the configuration names (push rights).\n\n" +
        "Examples:\n" +
        "  jc rollback gromacs --arch amd64 --dry-run\n" +
        "  jc rollback gromacs --arch amd64 --to 2026-12-01T00:00:00Z --only registry sif\n",
    )
    .action(
      async (
        name: string,
        opts: TagCommandFlags & { arch: string; tag?: string; to?: Date; only?: string[] },
      ) => {
        const { containersStore, expandVariables } = await import("../commands/online-services.js");
        const { rollback } = await import("../commands/rollback.js");
        const tagsFor = await tagClientFor(opts);
        await rollback(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            name,
            arch: opts.arch,
            ...(opts.tag ? { tag: opts.tag } : {}),
            ...(opts.to ? { to: opts.to } : {}),
            only: opts.only ?? [],
            dryRun: Boolean(opts.dryRun),
            now: new Date(),
          },
          (config) => ({
            tags: tagsFor(config),
            sifBucket: (arch) => containersStore(arch, process.env, httpPolicyFrom(opts)),
            expand: (text) => expandVariables(text, process.env, "registry.imageRoot"),
          }),
          consoleOutput,
        );
      },
    );
}
