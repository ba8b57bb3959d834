import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  consoleOutput,
  httpPolicyFrom,
  httpPolicyOptions,
  requireValues,
  retryNotes,
} from "../../../common/src/cli.js";
import { InputError } from "../../../common/src/errors.js";
import type { GitlabConnection } from "../../../common/src/gitlab-requester.js";
import { runProcess } from "../../../common/src/run.js";
import { configOption, gitlabApiOptions, positiveInt, repoOption } from "./options.js";

interface FollowFlags {
  apiUrl?: string;
  project?: string;
  token?: string;
  interval: number;
  cancelOnInterrupt?: boolean;
  plain?: boolean;
  timeout?: number;
  retryBudget?: number;
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1 || n > 3600)
    throw new InvalidArgumentError("expected seconds between 0.1 and 3600");
  return n;
};

/** What `jc build` and `jc watch` share: GitLab's address and token, the pace, Ctrl-C. */
function addFollowOptions(command: Command, tokenScope: string): Command {
  for (const option of gitlabApiOptions(tokenScope)) command.addOption(option);
  command
    .addOption(
      new Option("--interval <seconds>", "between two looks at the pipelines")
        .default(5)
        .argParser(seconds),
    )
    .option("--cancel-on-interrupt", "on Ctrl-C also cancel the pipeline (default: it goes on)")
    .option("--plain", "plain lines even in a terminal (the default in CI and pipes)");
  for (const option of httpPolicyOptions()) command.addOption(option);
  return command;
}

/** GitLab, the report for this output, and Ctrl-C wired to stop following. */
async function followSetup(flags: FollowFlags) {
  requireValues("following a pipeline", [
    [flags.apiUrl, "--api-url (CI_API_V4_URL)"],
    [flags.project, "--project (CI_PROJECT_ID)"],
    [flags.token, "--token (GITLAB_API_TOKEN)"],
  ]);
  const { gitlabLivePipelinesApi } = await import("../gitlab/pipelines-api.js");
  const { plainReport, terminalReport } = await import("../follow/render.js");
  const terminal = process.stdout.isTTY && !process.env["CI"] && !flags.plain;
  const live = terminal ? terminalReport((text) => process.stdout.write(text)) : undefined;
  const http = httpPolicyFrom(flags);
  const connection: GitlabConnection = {
    apiUrl: flags.apiUrl!,
    projectId: flags.project!,
    token: flags.token!,
    // In the live view, retry notes scroll above the jobs like log lines.
    http: live ? { ...http, onRetry: retryNotes(live.notice) } : http,
  };
  const controller = new AbortController();
  process.once("SIGINT", () => {
    controller.abort();
  });
  return {
    api: gitlabLivePipelinesApi(connection),
    connection,
    report: live ?? plainReport(consoleOutput.out),
    settings: {
      intervalMs: flags.interval * 1000,
      signal: controller.signal,
      cancelOnInterrupt: Boolean(flags.cancelOnInterrupt),
    },
  };
}

const FOLLOW_HELP =
  "Follows the pipeline and every child pipeline its bridges start: one line per job as its\n" +
  "status changes (kept in place in a terminal), and the new lines of the logs of jobs that\n" +
  "run meanwhile, each prefixed with its job. Exit code: 0 when the pipeline succeeds, 1 when it\n" +
  "fails or is cancelled, 130 after Ctrl-C, which stops following and leaves the pipeline\n" +
  "running unless --cancel-on-interrupt.\n";

/** `jc watch`: its options, help and action. */
export function watchCommand(): Command {
  const command = new Command("watch")
    .description("follow a running pipeline and its child pipelines, with the logs of their jobs")
    .argument("<pipeline-id>", "the pipeline, as in its URL (…/-/pipelines/<id>)", positiveInt);
  return addFollowOptions(command, "read_api scope, Reporter role")
    .addHelpText(
      "after",
      `\n${FOLLOW_HELP}\nExample:\n  GITLAB_API_TOKEN=glpat-… jc watch 123456 --api-url https://gitlab.example.com/api/v4 --project 42\n`,
    )
    .action(async (id: number, flags: FollowFlags) => {
      const { watchPipeline } = await import("../commands/follow-pipeline.js");
      const { api, report, settings, connection } = await followSetup(flags);
      await watchPipeline({ projectId: connection.projectId, id }, api, report, settings);
    });
}

/** `jc build`: its options, help and action. */
export function buildCommand(): Command {
  const command = new Command("build")
    .description("start a pipeline that builds one container on one architecture, and follow it")
    .argument("<name>", "the container, as named under container_definitions/<arch>/")
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .option("--ref <branch>", "branch or tag to run on (default: the checked-out branch)")
    .option("--force", "rebuild it even when it is current")
    .option("--download <dir>", "once the pipeline succeeded, fetch its SIF file into <dir>")
    .addOption(repoOption())
    .addOption(configOption());
  return addFollowOptions(command, "api scope, Developer role")
    .addHelpText(
      "after",
      "\nStarts a pipeline of --ref with SPACKTAINERS_ONLY=<name> and SPACKTAINERS_ARCH=<arch> (and\n" +
        "SPACKTAINERS_FORCE with --force): the variables of GitLab's Run pipeline form, so that it\n" +
        "builds that container and what it needs, nothing else. The branch must hold the definition.\n" +
        FOLLOW_HELP +
        "With --download, the SIF file comes from the arch's containers bucket (the CI variables the\n" +
        "configuration names give the key pair), written whole or not at all.\n\n" +
        "Example:\n" +
        "  jc build gromacs --arch amd64 --ref feature/new-gromacs --download ./sif\n",
    )
    .action(
      async (
        name: string,
        flags: FollowFlags & {
          arch: string;
          ref?: string;
          force?: boolean;
          download?: string;
          repo: string;
          config: string;
        },
      ) => {
        const { buildContainer } = await import("../commands/follow-pipeline.js");
        const { containersStore } = await import("../commands/online-services.js");
        const { readCurrentBranch } = await import("../git/default-branch.js");
        const repoRoot = resolve(flags.repo);
        const ref = flags.ref ?? (await readCurrentBranch(runProcess, repoRoot));
        if (!ref) throw new InputError("--ref is needed: the clone has no branch checked out");
        const { api, report, settings } = await followSetup(flags);
        await buildContainer(
          {
            repoRoot,
            configFile: flags.config,
            name,
            arch: flags.arch,
            ref,
            force: Boolean(flags.force),
            ...(flags.download ? { downloadDir: resolve(flags.download) } : {}),
          },
          { api, sifBucket: (arch) => containersStore(arch, process.env, httpPolicyFrom(flags)) },
          report,
          settings,
          consoleOutput,
        );
      },
    );
}
