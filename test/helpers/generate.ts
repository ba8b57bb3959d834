import { join } from "node:path";
import type { Output } from "../../common/src/cli.js";
import type { WorkflowOptions } from "../../job-creator/src/commands/generate-workflow.js";
import {
  createJobs,
  offlineServices,
  type CreateJobsOptions,
  type ServicesFactory,
} from "../../job-creator/src/commands/create-jobs.js";

/**
 * `jc create-jobs` on a repository (its spacktainers.config.yaml, into `generated/`), offline
 * unless other services are given.
 */
export async function createJobsIn(
  repo: string,
  output: Output,
  {
    services = offlineServices,
    ...overrides
  }: Partial<CreateJobsOptions> & { services?: ServicesFactory } = {},
): Promise<void> {
  await createJobs(
    {
      repoRoot: repo,
      configFile: "spacktainers.config.yaml",
      outputDir: "generated",
      planOnly: false,
      ...overrides,
    },
    services,
    output,
  );
}

/**
 * The options of `jc generate-spacktainer-workflow` for amd64 of a repository that
 * `createJobsIn` prepared, writing `<repo>/out`; without a lock folder unless given.
 */
export const workflowOptions = (
  repo: string,
  overrides: Partial<WorkflowOptions> = {},
): WorkflowOptions => ({
  repoRoot: repo,
  configFile: "spacktainers.config.yaml",
  arch: "amd64",
  outputDir: join(repo, "out"),
  artifactsDir: "out",
  generatedDir: "generated",
  ...overrides,
});
