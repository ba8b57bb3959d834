import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { Command } from "commander";
import {
  consoleOutput,
  httpPolicyFrom,
  httpPolicyOptions,
  requireValues,
} from "../../../common/src/cli.js";
import { InputError } from "../../../common/src/errors.js";
import { gitlabApiOptions } from "./options.js";

/** `jc reproduce`: its options, help and action. */
export function reproduceCommand(): Command {
  const command = new Command("reproduce")
    .description(
      "fetch a failed Spack rebuild job's reproduction folder and rebuild its spec locally, as the job did",
    )
    .argument("<job>", "the job's URL (https://<gitlab>/<group>/<project>/-/jobs/<id>) or its id")
    .option("-d, --dir <dir>", "where to put it (created; never overwritten)", "reproduce-<job id>")
    .option("--image <image>", "the builder image (default: the one the job's pipeline file names)")
    .option("--on-host", "use this machine's Spack (the job's version) instead of a container")
    .option("--run", "run the commands instead of printing them; the build's exit code is ours");
  const gitlab = gitlabApiOptions("read_api scope, Reporter role", {
    apiUrl: "GitLab API URL (default: from the job URL)",
    project: "project id or path, for a job id",
  });
  for (const option of [...gitlab, ...httpPolicyOptions()]) command.addOption(option);
  return command
    .addHelpText(
      "after",
      "\nA failed `spack ci rebuild` job leaves <artifacts root>/reproduction/ in its artifacts: repro.json,\n" +
        "install.sh (the commands it ran), the concrete environment and the spec. This command\n" +
        "downloads them, puts the environment back where install.sh activates it, writes\n" +
        "reproduce.sh (install.sh for that folder), and prints the commands that run it: in the\n" +
        "job's builder image through buildah, with the folder mounted at its own path and the AWS\n" +
        "keys and proxy of your environment passed by name (the build cache is a mirror of the\n" +
        "environment), or with --on-host on this machine. --run runs them.\n\n" +
        "Examples:\n" +
        "  jc reproduce https://gitlab.example.com/hpc/spacktainers/-/jobs/123456\n" +
        "  jc reproduce 123456 --project 42 --dir /tmp/repro --on-host --run\n",
    )
    .action(
      async (
        job: string,
        flags: {
          dir: string;
          image?: string;
          onHost?: boolean;
          run?: boolean;
          apiUrl?: string;
          project?: string;
          token?: string;
          timeout?: number;
          retryBudget?: number;
        },
      ) => {
        const { parseJobReference } = await import("../reproduce/plan.js");
        const { reproduce } = await import("../commands/reproduce.js");
        const { gitlabJobsApi } = await import("../gitlab/jobs-api.js");
        const reference = parseJobReference(job);
        if ("error" in reference) throw new InputError(reference.error);
        const apiUrl =
          flags.apiUrl ?? ("origin" in reference ? `${reference.origin}/api/v4` : undefined);
        requireValues("jc reproduce", [
          [apiUrl, "--api-url (CI_API_V4_URL)"],
          [flags.token, "--token (GITLAB_API_TOKEN)"],
        ]);
        await reproduce(
          {
            job: reference,
            ...(flags.project ? { projectId: flags.project } : {}),
            dir: resolve(flags.dir.replace("<job id>", String(reference.jobId))),
            ...(flags.image ? { image: flags.image } : {}),
            onHost: Boolean(flags.onHost),
            run: Boolean(flags.run),
          },
          {
            ...(process.env["CI_REGISTRY_IMAGE"]
              ? { registryImage: process.env["CI_REGISTRY_IMAGE"] }
              : {}),
            jobs: gitlabJobsApi({
              apiUrl: apiUrl!,
              token: flags.token!,
              http: httpPolicyFrom(flags),
            }),
            shell: (script, cwd) =>
              new Promise((done, fail) => {
                const child = spawn("bash", ["-c", script], { cwd, stdio: "inherit" });
                child.on("error", fail);
                child.on("close", (code) => {
                  done(code ?? 1);
                });
              }),
          },
          consoleOutput,
        );
      },
    );
}
