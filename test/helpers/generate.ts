import type { Output } from "../../common/src/cli.js";
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
