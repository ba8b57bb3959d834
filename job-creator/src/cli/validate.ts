import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import type { CiLimits } from "../../../common/src/ci/limits.js";
import { consoleOutput, requireValues } from "../../../common/src/cli.js";
import { DEFAULT_CONFIG_FILE } from "../config/file-name.js";
import { positiveInt } from "./options.js";

interface ValidateFlags {
  schema?: string;
  config: string;
  maxFileBytes?: number;
  maxJobs?: number;
  maxNeeds?: number;
  lint?: boolean;
  gitlabUrl?: string;
  project?: string;
  token?: string;
}

async function linterFrom(opts: ValidateFlags) {
  const { gitlabCiLinter } = await import("../gitlab/ci-lint.js");
  requireValues("--lint", [
    [opts.gitlabUrl, "--gitlab-url (CI_SERVER_URL)"],
    [opts.project, "--project (CI_PROJECT_ID)"],
    [opts.token, "--token (GITLAB_API_TOKEN)"],
  ]);
  return gitlabCiLinter({ host: opts.gitlabUrl!, projectId: opts.project!, token: opts.token! });
}

/** `jc validate`: its options, help and action. */
export function validateCommand(): Command {
  return new Command("validate")
    .description(
      "check pipeline files against GitLab's CI schema and its limits (needs, names, bridges, size)",
    )
    .argument("<files...>", "pipeline YAML files")
    .option("-s, --schema <file>", "GitLab's CI JSON Schema (ci.json from the GitLab repository)")
    .option(
      "-c, --config <file>",
      "take the limits from this configuration file",
      DEFAULT_CONFIG_FILE,
    )
    .option("--max-file-bytes <n>", "size budget per file", positiveInt)
    .option("--max-jobs <n>", "jobs per file", positiveInt)
    .option("--max-needs <n>", "needs per job", positiveInt)
    .option(
      "--lint",
      "also ask the GitLab instance's CI Lint API (needs --gitlab-url, --project, --token)",
    )
    .addOption(new Option("--gitlab-url <url>", "GitLab instance").env("CI_SERVER_URL"))
    .addOption(
      new Option("--project <id>", "project whose CI Lint API to use").env("CI_PROJECT_ID"),
    )
    .addOption(
      new Option("--token <token>", "API token with the api scope (never printed)").env(
        "GITLAB_API_TOKEN",
      ),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  jc validate generated/generated_pipeline.yaml --schema ci.json\n  jc validate spack.artifacts.amd64/*.yaml --lint     # in CI, with GITLAB_API_TOKEN set\n",
    )
    .action(async (files: string[], opts: ValidateFlags) => {
      const { GITLAB_DEFAULT_LIMITS } = await import("../../../common/src/ci/limits.js");
      const { runValidate } = await import("../commands/validate.js");
      const { readConfig } = await import("../config/read.js");

      const configured: CiLimits = existsSync(opts.config)
        ? readConfig(opts.config).limits
        : GITLAB_DEFAULT_LIMITS;
      const limits: CiLimits = {
        ...configured,
        ...(opts.maxFileBytes ? { maxFileBytes: opts.maxFileBytes } : {}),
        ...(opts.maxJobs ? { maxJobsPerFile: opts.maxJobs } : {}),
        ...(opts.maxNeeds ? { maxNeedsPerJob: opts.maxNeeds } : {}),
      };
      const linter = opts.lint ? await linterFrom(opts) : undefined;
      await runValidate(
        {
          files,
          limits,
          ...(opts.schema ? { schemaFile: opts.schema } : {}),
          ...(linter ? { linter } : {}),
        },
        consoleOutput,
      );
    });
}
