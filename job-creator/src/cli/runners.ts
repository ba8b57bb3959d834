import { resolve } from "node:path";
import { Command } from "commander";
import { consoleOutput, httpPolicyFrom, requireValues } from "../../../common/src/cli.js";
import { addRepositoryOptions, archListOption, gitlabApiOptions } from "./options.js";

/** `jc runners`: its options, help and action. */
export function runnersCommand(): Command {
  const command = new Command("runners")
    .description(
      "show, per architecture, the project's runners with its tags: online, paused, busy, and whether native builds are possible",
    )
    .addOption(archListOption())
    .option("--json", "the table as JSON");
  for (const option of gitlabApiOptions("read_api scope, Maintainer role in the project"))
    command.addOption(option);
  return addRepositoryOptions(command)
    .addHelpText(
      "after",
      "\nA runner can take an architecture's jobs when it carries every tag of runnerTags, is online,\n" +
        "not paused, and reports that CPU (or has not reported one yet). With checkRunners: true,\n" +
        "create-jobs asks the same before each pipeline: an architecture without such a runner\n" +
        "is built on its emulation: runners (buildah --platform with qemu-user-static), or left out\n" +
        "with a warning, instead of a pipeline that waits for a runner forever.\n\n" +
        "GitLab lists a project's runners only to a user with at least the Maintainer role: use a\n" +
        "project access token with role Maintainer and scope read_api (CI_JOB_TOKEN cannot).\n\n" +
        "Examples:\n" +
        "  GITLAB_API_TOKEN=glpat-… jc runners --api-url https://gitlab.example.com/api/v4 --project 42\n" +
        "  jc runners --arch arm64 --json\n",
    )
    .action(
      async (opts: {
        arch: string[];
        json?: boolean;
        apiUrl?: string;
        project?: string;
        token?: string;
        repo: string;
        config: string;
        timeout?: number;
        retryBudget?: number;
      }) => {
        requireValues("jc runners", [
          [opts.apiUrl, "--api-url (CI_API_V4_URL)"],
          [opts.project, "--project (CI_PROJECT_ID)"],
          [opts.token, "--token (GITLAB_API_TOKEN)"],
        ]);
        const { gitlabRunnersApi } = await import("../gitlab/runners-api.js");
        const { runnersReport } = await import("../commands/runners.js");
        const { capacityLines } = await import("../runners/capacity.js");
        const report = await runnersReport(
          { repoRoot: resolve(opts.repo), configFile: opts.config, archs: opts.arch },
          gitlabRunnersApi({
            apiUrl: opts.apiUrl!,
            projectId: opts.project!,
            token: opts.token!,
            http: httpPolicyFrom(opts),
          }),
        );
        if (opts.json) {
          consoleOutput.out(JSON.stringify(report, null, 2));
          return;
        }
        for (const { capacity, placement } of report) {
          for (const line of capacityLines(capacity)) consoleOutput.out(line);
          if (placement.mode !== "native") consoleOutput.out(`  then: ${placement.warning}`);
        }
      },
    );
}
