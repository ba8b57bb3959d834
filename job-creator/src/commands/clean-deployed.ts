import { lstat, readdir, realpath, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import { staleDeployedFiles, tagSuffixes } from "../cleanup/stale-branches.js";
import {
  chosenArchitectures,
  resolveArchitectures,
  type Architecture,
} from "../config/architecture.js";
import { readConfig } from "../config/read.js";
import { liveBranchSlugs } from "./clean-branches.js";

export interface CleanDeployedOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  readonly arch: string;
  readonly remote: string;
  readonly dryRun: boolean;
}

/**
 * `jc clean-deployed`: on the deploy runner, deletes the copies of deleted branches' SIF
 * files from the arch's deploy folder. Only regular files directly in that folder, named as
 * the deploy jobs name them, are ever looked at: no path outside it, no symlink followed,
 * whatever a branch is called.
 */
export async function cleanDeployed(
  opts: CleanDeployedOptions,
  run: Runner,
  output: Output,
): Promise<{ deleted: string[] }> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const architectures = resolveArchitectures(config);
  const [arch] = chosenArchitectures(config, [opts.arch]) as [Architecture];
  if (!arch.deploy)
    throw new InputError(`architectures.${opts.arch} has no deploy: there is nothing to clean`);
  const folder = arch.deploy.path;
  const real = await realpath(folder).catch(() => {
    throw new UserError(
      `the deploy folder ${folder} does not exist on this runner: is the shared filesystem mounted?`,
    );
  });
  if (real === "/") throw new InputError(`the deploy folder ${folder} is the root folder: refused`);
  const live = await liveBranchSlugs(run, opts.remote, output);
  const entries = await readdir(real, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const stale = staleDeployedFiles(files, live, tagSuffixes(architectures.values()));
  const deleted: string[] = [];
  for (const { name, branch } of stale) {
    const path = join(real, name);
    // Checked again just before: a file replaced by a link since the listing stays.
    if (!(await lstat(path)).isFile()) continue;
    if (!opts.dryRun) await unlink(path);
    deleted.push(path);
    output.out(`${opts.dryRun ? "would delete" : "delete"} ${path} (branch ${branch} is gone)`);
  }
  output.out(
    `${folder}: ${files.length} files, ${stale.length} copies of deleted branches${opts.dryRun ? " (dry run: nothing deleted)" : ""}`,
  );
  return { deleted };
}
