import type { Command } from "commander";
import { toolCommand } from "../../common/src/cli.js";
import { createJobsCommand } from "./cli/create-jobs.js";
import { processSpackPipelineCommand } from "./cli/process-spack-pipeline.js";
import { generateSpacktainerWorkflowCommand } from "./cli/generate-spacktainer-workflow.js";
import { entryPipelineCommand } from "./cli/entry-pipeline.js";
import { cleanBranchesCommand } from "./cli/clean-branches.js";
import { cleanDeployedCommand } from "./cli/clean-deployed.js";
import { rollbackCommand } from "./cli/rollback.js";
import { archiveImagesCommand } from "./cli/archive-images.js";
import { imagesCommand } from "./cli/images.js";
import { runnersCommand } from "./cli/runners.js";
import { buildCommand, watchCommand } from "./cli/follow.js";
import { reproduceCommand } from "./cli/reproduce.js";
import { validateCommand } from "./cli/validate.js";
import { schemaCommand } from "./cli/schema.js";
import { graphCommand } from "./cli/graph.js";

/** The jc program, one file per command under cli/; a new one per call (commander keeps parsed values). */
export function buildProgram(): Command {
  const program = toolCommand(
    "jc",
    "job-creator: turns container_definitions/<arch>/ into GitLab CI pipelines that build Spack " +
      "binary caches, containers and SIF files, rebuilding only what changed.",
  ).showHelpAfterError("(run with --help for usage)");
  for (const command of [
    createJobsCommand(),
    processSpackPipelineCommand(),
    generateSpacktainerWorkflowCommand(),
    entryPipelineCommand(),
    cleanBranchesCommand(),
    cleanDeployedCommand(),
    archiveImagesCommand(),
    rollbackCommand(),
    imagesCommand(),
    runnersCommand(),
    buildCommand(),
    watchCommand(),
    reproduceCommand(),
    validateCommand(),
    graphCommand(),
    schemaCommand(),
  ])
    program.addCommand(command.copyInheritedSettings(program));
  return program;
}
