import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  consoleOutput,
  httpPolicyFrom,
  httpPolicyOptions,
  requireValues,
  toolCommand,
} from "../../common/src/cli.js";
import { BASE_PIPELINE_BRIDGE } from "../../common/src/job-names.js";

const pipelineId = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a pipeline id");
  return n;
};

const collectArch = (value: string, previous: string[]): string[] => {
  if (!/^[a-z0-9_]+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an arch name`);
  return [...previous, value];
};

interface Flags {
  pipeline?: number;
  project?: string;
  apiUrl?: string;
  token?: string;
  bridge: string;
  arch: string[];
  outputDir: string;
  dotenv: string;
  generatedPipeline?: string;
  timeout?: number;
  retryBudget?: number;
}

/** The get-artifacts program; a new one per call, since commander keeps parsed values on it. */
export function buildProgram(): Command {
  const program = toolCommand(
    "get-artifacts",
    "collect the files of the generated child pipeline (spack.artifacts.<arch>/, spacktainer.artifacts.<arch>/)\n" +
      "through the GitLab API, so the entry pipeline's per-arch bridges can trigger them",
  )
    .addOption(
      new Option("-P, --pipeline <id>", "the entry pipeline")
        .env("CI_PIPELINE_ID")
        .argParser(pipelineId),
    )
    .addOption(new Option("--project <id>", "project id or path").env("CI_PROJECT_ID"))
    .addOption(new Option("--api-url <url>", "GitLab API URL").env("CI_API_V4_URL"))
    .addOption(
      new Option("-t, --token <token>", "API token with read_api scope (never printed)").env(
        "GITLAB_API_TOKEN",
      ),
    )
    .option("--bridge <name>", "bridge job that started the child pipeline", BASE_PIPELINE_BRIDGE)
    .option(
      "-a, --arch <arch>",
      "an arch the entry pipeline has bridges for (repeat); missing files become no-op pipelines",
      collectArch,
      [],
    )
    .option(
      "-g, --generated-pipeline <file>",
      "the child pipeline file jc create-jobs wrote: its producer jobs must all be found",
    )
    .option("-o, --output-dir <dir>", "where to extract", ".")
    .option("--dotenv <file>", "dotenv report to write, relative to --output-dir", "build.env");
  for (const option of httpPolicyOptions()) program.addOption(option);
  program
    .addHelpText(
      "after",
      "\nIn the entry pipeline (every value from GitLab's predefined variables and GITLAB_API_TOKEN):\n" +
        "  get-artifacts --arch amd64 --arch arm64\n\n" +
        "Writes build.env with GENERATION_PIPELINE_ID (the child pipeline) and one line per arch.\n" +
        "CI_JOB_TOKEN cannot read these endpoints: store a project access token as GITLAB_API_TOKEN.\n",
    )
    .action(async (opts: Flags) => {
      requireValues("get-artifacts", [
        [opts.pipeline, "--pipeline (CI_PIPELINE_ID)"],
        [opts.project, "--project (CI_PROJECT_ID)"],
        [opts.apiUrl, "--api-url (CI_API_V4_URL)"],
        [opts.token, "--token (GITLAB_API_TOKEN)"],
      ]);
      // Loaded here, not at start-up: --help needs neither gitbeaker nor the zip reader.
      const { checkOutputFiles } = await import("../../common/src/output-files.js");
      await checkOutputFiles(
        [{ flag: "--dotenv", path: join(opts.outputDir, opts.dotenv) }],
        opts.generatedPipeline
          ? [{ path: opts.generatedPipeline, what: "the generated pipeline" }]
          : [],
      );
      const { collectArtifacts } = await import("./collect.js");
      const { gitlabPipelineApi } = await import("./gitbeaker-api.js");
      const { readJobNames } = await import("./generated-pipeline.js");
      const api = gitlabPipelineApi({
        apiUrl: opts.apiUrl!,
        projectId: opts.project!,
        token: opts.token!,
        http: httpPolicyFrom(opts),
      });
      await collectArtifacts(
        api,
        {
          pipelineId: opts.pipeline!,
          bridgeName: opts.bridge,
          expectedArchs: opts.arch,
          outputDir: opts.outputDir,
          dotenvFile: opts.dotenv,
          ...(opts.generatedPipeline ? { definedJobs: readJobNames(opts.generatedPipeline) } : {}),
        },
        consoleOutput,
      );
    });

  return program;
}
