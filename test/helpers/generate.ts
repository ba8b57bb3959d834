import type { Output } from "../../common/src/cli.js";
import { createJobs, offlineServices } from "../../job-creator/src/commands/create-jobs.js";

/** `jc create-jobs --offline` on a repository (its spacktainers.config.yaml, into `generated/`). */
export async function createJobsOffline(repo: string, output: Output): Promise<void> {
  await createJobs(
    {
      repoRoot: repo,
      configFile: "spacktainers.config.yaml",
      outputDir: "generated",
      planOnly: false,
    },
    offlineServices,
    output,
  );
}
