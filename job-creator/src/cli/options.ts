import { statSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { httpPolicyFrom, httpPolicyOptions } from "../../../common/src/cli.js";
import { runProcess } from "../../../common/src/run.js";
import { readDefaultBranch } from "../git/default-branch.js";
import { DEFAULT_CONFIG_FILE } from "../config/file-name.js";
import { CHAIN_STAGES } from "../definitions/stage-range.js";
import { describeFsError } from "../../../common/src/fs-errors.js";

export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive whole number");
  return n;
};

/** `--arch`, repeatable and comma-separated, for the commands that look at some architectures. */
export const archListOption = () =>
  new Option("-a, --arch <arch>", "only this architecture (repeat, or comma-separated)")
    .argParser((value: string, previous: string[]) => [
      ...previous,
      ...value.split(",").filter(Boolean),
    ])
    .default([]);

/**
 * GitLab's API, its project and the access token, from GitLab's predefined variables and
 * GITLAB_API_TOKEN; `token` says which scope and role the command needs.
 */
export const gitlabApiOptions = (
  token: string,
  help: { apiUrl?: string; project?: string } = {},
): Option[] => [
  new Option("--api-url <url>", help.apiUrl ?? "GitLab API URL").env("CI_API_V4_URL"),
  new Option("--project <id>", help.project ?? "project id or path").env("CI_PROJECT_ID"),
  new Option("-t, --token <token>", `access token: ${token} (never printed)`).env(
    "GITLAB_API_TOKEN",
  ),
];

/**
 * A folder that exists: a mistyped --repo is named as such, not reported later as a missing
 * configuration file (which would send the user looking for the wrong thing).
 */
const existingFolder = (value: string): string => {
  let info;
  try {
    info = statSync(value, { throwIfNoEntry: false });
  } catch (error) {
    throw new InvalidArgumentError(describeFsError(error));
  }
  if (!info) throw new InvalidArgumentError("no such folder");
  if (!info.isDirectory()) throw new InvalidArgumentError("a file, not a folder");
  return value;
};

/** Options several commands share, built fresh for each (commander owns what it is given). */
export const repoOption = (help = "repository root holding the configuration") =>
  new Option("-r, --repo <dir>", help).default(".").argParser(existingFolder);
export const configOption = () =>
  new Option("-c, --config <file>", "configuration file, relative to --repo").default(
    DEFAULT_CONFIG_FILE,
  );
/** Branch, default branch, timeout, retry budget and concurrency: what the commands that go online share. */
export const onlineOptions = (): Option[] => [
  branchOption(),
  defaultBranchOption(),
  ...httpPolicyOptions(),
  new Option(
    "--concurrency <n>",
    "requests to registries and buckets in flight at once, for the whole run (default 32)",
  )
    .env("SPACKTAINERS_CONCURRENCY")
    .argParser(positiveInt),
];

/** What the options of a generating command give. */
export interface GenerationFlags {
  repo: string;
  config: string;
  offline?: boolean;
  branch?: string;
  defaultBranch?: string;
  timeout?: number;
  retryBudget?: number;
  concurrency?: number;
}

/**
 * Adds what the generating commands share: the repository and configuration, `--offline`
 * (with what it means for this command) and the online options.
 */
export function addGenerationOptions(
  command: Command,
  help: { repo?: string; offline: string },
): Command {
  command.addOption(repoOption(help.repo)).addOption(configOption());
  command.option("--offline", help.offline);
  for (const option of onlineOptions()) command.addOption(option);
  return command;
}

/** The tuning of the online services those options give. */
export const serviceTuning = (opts: GenerationFlags) => ({
  http: httpPolicyFrom(opts),
  ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
});

export const branchOption = () =>
  new Option("--branch <name>", "branch being built").env("CI_COMMIT_REF_NAME");
export const defaultBranchOption = () =>
  new Option("--default-branch <name>", "the project's default branch").env("CI_DEFAULT_BRANCH");

/**
 * The branch being built and the default branch. Without --default-branch (CI_DEFAULT_BRANCH)
 * a given --branch is compared with the repository's default branch, never taken for it.
 */
export async function branchesOf(opts: { repo: string; branch?: string; defaultBranch?: string }) {
  if (!opts.branch) return {};
  if (opts.defaultBranch) return { branch: opts.branch, defaultBranch: opts.defaultBranch };
  const found = await readDefaultBranch(runProcess, resolve(opts.repo));
  return { branch: opts.branch, defaultBranch: found.name, defaultBranchSource: found.source };
}

/**
 * `--only`, `--force`, `--from` and `--to`: which containers a run builds and which it rebuilds even when
 * current. create-jobs also reads them from CI variables (GitLab's "Run pipeline" form)
 * and writes them into the workflow jobs it generates, which take them as flags only.
 */
export const selectionOptions = (fromVariables: boolean): Option[] => {
  const only = new Option(
    "--only <names>",
    "build only these containers (comma-separated names) and what they need",
  );
  const force = new Option(
    "--force [names]",
    "rebuild these containers (comma-separated; none given: all) even when current",
  );
  const from = new Option(
    "--from <stage>",
    `start the chain at this stage, using what earlier runs left: ${CHAIN_STAGES.join(", ")}`,
  );
  const to = new Option("--to <stage>", "stop the chain after this stage");
  if (!fromVariables) return [only, force, from, to];
  return [
    only.env("SPACKTAINERS_ONLY"),
    from.env("SPACKTAINERS_FROM"),
    to.env("SPACKTAINERS_TO"),
    new Option("--arch <arches>", "build only on these architectures (comma-separated)").env(
      "SPACKTAINERS_ARCH",
    ),
    force.env("SPACKTAINERS_FORCE"),
    new Option(
      "--rebuild-packages",
      "with --force: also rebuild the forced containers' Spack packages instead of taking them from the build cache (env: SPACKTAINERS_REBUILD_PACKAGES=true)",
    ),
  ];
};

/** What the options of the commands that move registry tags give. */
export interface TagCommandFlags {
  dryRun?: boolean;
  repo: string;
  config: string;
  timeout?: number;
  retryBudget?: number;
}

/** The repository and its configuration, and the timeouts of the requests a command makes. */
export function addRepositoryOptions(command: Command): Command {
  command.addOption(repoOption()).addOption(configOption());
  for (const option of httpPolicyOptions()) command.addOption(option);
  return command;
}

/** Adds what the commands that move registry tags share: --dry-run, the repository, timeouts. */
export function addTagCommandOptions(command: Command, dryRunHelp: string): Command {
  return addRepositoryOptions(command.option("-n, --dry-run", dryRunHelp));
}

/** The registry client of those commands: push rights, from the CI variables the configuration names. */
export async function tagClientFor(
  flags: Pick<TagCommandFlags, "timeout" | "retryBudget"> & { access?: string },
) {
  const { registryLogins } = await import("../commands/online-services.js");
  const { RegistryTagClient } = await import("../registry/tag-client.js");
  return (config: Parameters<typeof registryLogins>[0]) =>
    new RegistryTagClient({
      http: httpPolicyFrom(flags),
      ...registryLogins(config, process.env, flags.access ?? "push to"),
    });
}

/** What the cleaning commands share: the repository, the remote whose branches live, --dry-run. */
export function addCleanupOptions(command: Command): Command {
  return command
    .addOption(repoOption())
    .addOption(configOption())
    .option("--remote <name-or-url>", "git remote whose branches are alive", "origin")
    .option("-n, --dry-run", "say what would be deleted, delete nothing");
}
