import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { GITLAB_DEFAULT_LIMITS, type CiLimits } from "../../common/src/ci/limits.js";
import {
  consoleOutput,
  httpPolicyFrom,
  httpPolicyOptions,
  requireValues,
  toolVersion,
} from "../../common/src/cli.js";
import { runProcess } from "../../common/src/run.js";
import { gitlabCiLinter } from "./gitlab/ci-lint.js";
import { readDefaultBranch } from "./git/default-branch.js";
import { createJobs, offlineServices } from "./commands/create-jobs.js";
import {
  containersStore,
  onlineServices,
  onlineWorkflowServices,
} from "./commands/online-services.js";
import { cleanBranches } from "./commands/clean-branches.js";
import { ENTRY_HEADER, buildEntryPipeline } from "./pipeline/entry-pipeline.js";
import { renderPipeline } from "../../common/src/ci/render.js";
import { writeFileAtomic } from "../../common/src/atomic-write.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "./commands/generate-workflow.js";
import { runValidate } from "./commands/validate.js";
import { processSpackPipeline } from "./commands/process-spack-pipeline.js";
import { DEFAULT_CONFIG_FILE, configJsonSchema, readConfig } from "./config/read.js";

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive whole number");
  return n;
};

const isoDate = (value: string): Date => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError("expected a date such as 2026-01-31T12:00:00Z");
  return date;
};

/** Options several commands share, built fresh for each (commander owns what it is given). */
const repoOption = (help = "repository root holding the configuration") =>
  new Option("-r, --repo <dir>", help).default(".");
const configOption = () =>
  new Option("-c, --config <file>", "configuration file, relative to --repo").default(
    DEFAULT_CONFIG_FILE,
  );
const nowOption = () =>
  new Option("--now <iso-date>", "the generation time recorded in labels")
    .argParser(isoDate)
    .hideHelp();
const branchOption = () =>
  new Option("--branch <name>", "branch being built").env("CI_COMMIT_REF_NAME");
const defaultBranchOption = () =>
  new Option("--default-branch <name>", "the project's default branch").env("CI_DEFAULT_BRANCH");

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

function linterFrom(opts: ValidateFlags) {
  requireValues("--lint", [
    [opts.gitlabUrl, "--gitlab-url (CI_SERVER_URL)"],
    [opts.project, "--project (CI_PROJECT_ID)"],
    [opts.token, "--token (GITLAB_API_TOKEN)"],
  ]);
  return gitlabCiLinter({ host: opts.gitlabUrl!, projectId: opts.project!, token: opts.token! });
}

interface CreateJobsFlags {
  timeout?: number;
  retryBudget?: number;
  repo: string;
  config: string;
  outputDir: string;
  offline?: boolean;
  plan?: boolean;
  now?: Date;
  branch?: string;
  defaultBranch?: string;
}

/**
 * The branch being built and the default branch. Without --default-branch (CI_DEFAULT_BRANCH)
 * a given --branch is compared with the repository's default branch, never taken for it.
 */
async function branchesOf(opts: { repo: string; branch?: string; defaultBranch?: string }) {
  if (!opts.branch) return {};
  if (opts.defaultBranch) return { branch: opts.branch, defaultBranch: opts.defaultBranch };
  const found = await readDefaultBranch(runProcess, resolve(opts.repo));
  return { branch: opts.branch, defaultBranch: found.name, defaultBranchSource: found.source };
}

/** The jc program; a new one per call, since commander keeps parsed values on it. */
export function buildProgram(): Command {
  const program = new Command("jc")
    .version(toolVersion(), "-V, --version", "print the version")
    .description(
      "job-creator: turns container_definitions/<arch>/ into GitLab CI pipelines that build Spack\n" +
        "binary caches, containers and SIF files, rebuilding only what changed.",
    )
    .option("--debug", "print causes and stack traces of errors")
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("create-jobs")
    .description(
      "read the definitions and the spack.yaml template, write the generated child pipeline",
    )
    .addOption(repoOption("repository root holding container_definitions/ and spack.yaml"))
    .addOption(configOption())
    .option(
      "-o, --output-dir <dir>",
      "where to write, relative to --repo (jobs refer to it)",
      "generated",
    )
    .option("--offline", "ask no registry or git server: plan every base image as missing")
    .addOption(nowOption())
    .option("--plan", "print the plan and write nothing (implies --offline)")
    .addOption(branchOption())
    .addOption(defaultBranchOption())
    .addOption(httpPolicyOptions()[0]!)
    .addOption(httpPolicyOptions()[1]!)
    .addHelpText(
      "after",
      "\nWrites <output-dir>/generated_pipeline.yaml and <output-dir>/spack_envs/<arch>/<name>/spack.yaml.\n" +
        "Off the default branch the development cache bucket is used.\n\n" +
        "Without --offline, each base image is looked up in the registry (credentials from the CI\n" +
        "variables named in registry.credentials) and rebuilt only when missing or changed; the\n" +
        "Spack commit comes from `git ls-remote`. A registry error fails the run: it is never\n" +
        "taken for a missing image.\n\n" +
        "Examples:\n" +
        "  jc create-jobs --offline          # preview on a laptop, no network\n" +
        "  jc create-jobs --plan             # print the plan only\n" +
        "  jc create-jobs                    # in CI: check the registry, write the pipeline\n",
    )
    .action(async (opts: CreateJobsFlags) => {
      const offline = opts.offline || opts.plan;
      const branches = await branchesOf(opts);
      await createJobs(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          outputDir: opts.outputDir,
          planOnly: Boolean(opts.plan),
          now: opts.now ?? new Date(),
          ...branches,
        },
        offline
          ? offlineServices
          : onlineServices(process.env, runProcess, { http: httpPolicyFrom(opts) }),
        consoleOutput,
      );
    });

  program
    .command("process-spack-pipeline")
    .description(
      "merge spack's generated pipelines of one arch and split them into child pipelines within GitLab's limits",
    )
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .requiredOption(
      "-d, --input-dir <dir>",
      "folder of `spack ci generate` outputs (files, or <container>/*.yml)",
    )
    .requiredOption(
      "-o, --output-dir <dir>",
      "folder to (re)write: spack_pipeline.yaml and the child files",
    )
    .option(
      "--artifacts-path <path>",
      "where the files are inside the job artifacts (default: --output-dir)",
    )
    .addOption(repoOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      "\nOne job per spec (by DAG hash) across all containers, ordered by the merged dependency graph.\n" +
        "Whole levels share a child file while they fit limits.maxFileBytes, maxJobsPerFile and\n" +
        "maxNeedsPerJob; a larger level is cut into files that run in parallel. spack_pipeline.yaml runs\n" +
        "the files in order through bridges; needs between files are replaced by that order.\n\n" +
        "Example:\n  jc process-spack-pipeline -a amd64 -d jobs_scratch_dir.amd64 -o spack.artifacts.amd64\n",
    )
    .action(
      async (opts: {
        arch: string;
        inputDir: string;
        outputDir: string;
        artifactsPath?: string;
        repo: string;
        config: string;
      }) => {
        await processSpackPipeline(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            arch: opts.arch,
            inputDir: opts.inputDir,
            outputDir: opts.outputDir,
            artifactsDir: opts.artifactsPath ?? opts.outputDir,
          },
          consoleOutput,
        );
      },
    );

  program
    .command("generate-spacktainer-workflow")
    .description(
      "decide which containers of one arch to build, convert to SIF and publish; write their pipeline",
    )
    .requiredOption("-a, --arch <arch>", "architecture, as configured")
    .requiredOption(
      "-o, --output-dir <dir>",
      "folder to (re)write: spacktainer_pipeline.yaml and a build context per container",
    )
    .option(
      "-l, --lock-dir <dir>",
      "use <dir>/<container>/spack.lock instead of running `spack concretize -f` here",
    )
    .option(
      "-g, --generated-dir <dir>",
      "where jc create-jobs wrote its files, relative to --repo",
      "generated",
    )
    .option(
      "--artifacts-path <path>",
      "where the output folder is inside the job artifacts (default: --output-dir)",
    )
    .addOption(repoOption())
    .addOption(configOption())
    .option("--offline", "ask no registry or bucket: plan every container as missing")
    .addOption(branchOption())
    .addOption(defaultBranchOption())
    .addOption(nowOption())
    .addOption(httpPolicyOptions()[0]!)
    .addOption(httpPolicyOptions()[1]!)
    .addHelpText(
      "after",
      "\nPer container of the arch: the main package (first spec) and its version in spack.lock give\n" +
        "the tag (`<version>[__<branch>][<arch suffix>]`); the image is built when the registry has no\n" +
        "image of that tag for the arch with equal labels (spack.lock sha256, container checksum), the\n" +
        "SIF file when the bucket object's metadata differ, and on the default branch the image is\n" +
        "published to each `publish:` registry whose copy differs. `.def` containers are built from the\n" +
        "digest of their From: image. Credentials come from the CI variables the configuration names.\n\n" +
        "Example (in CI, after the generate jobs):\n" +
        "  jc generate-spacktainer-workflow -a amd64 --lock-dir jobs_scratch_dir.amd64 -o spacktainer.artifacts.amd64\n",
    )
    .action(
      async (opts: {
        arch: string;
        outputDir: string;
        lockDir?: string;
        generatedDir: string;
        artifactsPath?: string;
        repo: string;
        config: string;
        offline?: boolean;
        branch?: string;
        defaultBranch?: string;
        now?: Date;
        timeout?: number;
        retryBudget?: number;
      }) => {
        await generateSpacktainerWorkflow(
          {
            repoRoot: resolve(opts.repo),
            configFile: opts.config,
            arch: opts.arch,
            outputDir: opts.outputDir,
            artifactsDir: opts.artifactsPath ?? opts.outputDir,
            generatedDir: opts.generatedDir,
            now: opts.now ?? new Date(),
            ...(opts.lockDir ? { lockDir: opts.lockDir } : {}),
            ...(await branchesOf(opts)),
          },
          opts.offline
            ? offlineWorkflowServices(runProcess)
            : onlineWorkflowServices(process.env, runProcess, { http: httpPolicyFrom(opts) }),
          consoleOutput,
        );
      },
    );

  program
    .command("entry-pipeline")
    .description("write the repository's .gitlab-ci.yml for the configured architectures")
    .addOption(repoOption())
    .addOption(configOption())
    .option("-o, --output <file>", "file to write (default: print it)")
    .option(
      "-g, --generated-dir <dir>",
      "where the generate job lets jc create-jobs write",
      "generated",
    )
    .addHelpText(
      "after",
      "\nRun it again after adding or removing an architecture in the configuration:\n" +
        "  npm run jc -- entry-pipeline -o .gitlab-ci.yml\n",
    )
    .action(
      async (opts: { repo: string; config: string; output?: string; generatedDir: string }) => {
        const config = await readConfig(join(resolve(opts.repo), opts.config), opts.config);
        const text = renderPipeline(buildEntryPipeline(config, opts.generatedDir), ENTRY_HEADER);
        if (opts.output) await writeFileAtomic(opts.output, text);
        else consoleOutput.out(text.trimEnd());
      },
    );

  program
    .command("clean-branches")
    .description(
      "delete the SIF files of branches that no longer exist from the containers buckets",
    )
    .addOption(repoOption())
    .addOption(configOption())
    .option("--remote <name-or-url>", "git remote whose branches are alive", "origin")
    .option("-n, --dry-run", "say what would be deleted, delete nothing")
    .addHelpText(
      "after",
      "\nSIF files built off the default branch record their branch in the object metadata; a file\n" +
        "whose branch is not on the remote any more is deleted, with its archived copies. Files of\n" +
        "the default branch have no branch metadata and are never deleted. Bucket credentials come\n" +
        "from the CI variables named in architectures.<arch>.containers.credentials.\n",
    )
    .action(async (opts: { repo: string; config: string; remote: string; dryRun?: boolean }) => {
      await cleanBranches(
        {
          repoRoot: resolve(opts.repo),
          configFile: opts.config,
          remote: opts.remote,
          dryRun: Boolean(opts.dryRun),
        },
        {
          run: runProcess,
          bucket: (config, arch) => containersStore(config, arch, process.env),
        },
        consoleOutput,
      );
    });

  program
    .command("validate")
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
      const configured: CiLimits = existsSync(opts.config)
        ? (await readConfig(opts.config)).limits
        : GITLAB_DEFAULT_LIMITS;
      const limits: CiLimits = {
        ...configured,
        ...(opts.maxFileBytes ? { maxFileBytes: opts.maxFileBytes } : {}),
        ...(opts.maxJobs ? { maxJobsPerFile: opts.maxJobs } : {}),
        ...(opts.maxNeeds ? { maxNeedsPerJob: opts.maxNeeds } : {}),
      };
      const linter = opts.lint ? linterFrom(opts) : undefined;
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

  program
    .command("schema")
    .description("print the JSON Schema of the configuration file (for editors)")
    .action(() => {
      consoleOutput.out(configJsonSchema().trimEnd());
    });

  return program;
}
