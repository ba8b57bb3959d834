import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import { load } from "js-yaml";
import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import { isMapping } from "../../../common/src/mapping.js";
import { zipFiles } from "../../../common/src/zip-files.js";
import type { JobsApi } from "../gitlab/jobs-api.js";
import {
  localInstallScript,
  REPRODUCE_SCRIPT,
  reproduceCommands,
  reproductionOf,
  type JobReference,
  type Reproduction,
} from "../reproduce/plan.js";
import { writeFailure } from "../../../common/src/fs-errors.js";

export interface ReproduceOptions {
  readonly job: JobReference;
  /** The project when `job` is an id (CI_PROJECT_ID). */
  readonly projectId?: string;
  /** Absolute; created, never overwritten. */
  readonly dir: string;
  /** The builder image; found in the job's pipeline file when not given. */
  readonly image?: string;
  /** Use this machine's Spack instead of a container. */
  readonly onHost: boolean;
  readonly run: boolean;
}

export interface ReproduceServices {
  readonly jobs: JobsApi;
  /** Runs a shell script in `cwd` with the output shown; its exit code. */
  readonly shell: (script: string, cwd: string) => Promise<number>;
  /** `$CI_REGISTRY_IMAGE` of this environment, when it is set (inside a CI job). */
  readonly registryImage?: string;
}

/** The rebuild ran and failed again: its exit code becomes ours. */
export class ReproducedFailure extends UserError {
  override readonly exitCode: number;
  constructor(code: number) {
    super(`the reproduced build failed as the job did (exit code ${code})`);
    this.exitCode = code;
  }
}

/**
 * `jc reproduce`: downloads a failed Spack rebuild job's artifacts, puts its reproduction
 * folder and concrete environment where install.sh expects them (below `dir`), and prints
 * or runs the commands that build the spec again, in the builder image or on this machine.
 */
export async function reproduce(
  opts: ReproduceOptions,
  services: ReproduceServices,
  output: Output,
): Promise<void> {
  const project = "projectPath" in opts.job ? opts.job.projectPath : opts.projectId;
  if (!project)
    throw new InputError("give the job's URL, or its id with --project (CI_PROJECT_ID)");
  // install.sh quotes its paths with double quotes: the folder must not end them.
  if (/["$`\\\n]/.test(opts.dir))
    throw new InputError(
      `--dir ${JSON.stringify(opts.dir)}: a folder without " $ \` \\ or newlines, please`,
    );
  if (existsSync(opts.dir) && !(await stat(opts.dir)).isDirectory())
    throw new InputError(`${opts.dir} exists and is no folder: nothing is overwritten`);
  if (existsSync(opts.dir) && (await readdir(opts.dir)).length > 0)
    throw new InputError(`${opts.dir} exists and is not empty: nothing is overwritten`);
  const job = await services.jobs.job(project, opts.job.jobId);
  if (job.status !== "failed")
    throw new InputError(
      `job ${job.id} (${job.name}) is ${job.status}: only a failed job has something to reproduce`,
    );
  const where = `job ${job.id}`;
  const files = zipFiles(await services.jobs.artifacts(project, job.id), where);
  const plan = reproductionOf(files);
  if ("error" in plan) {
    const held = [...files.keys()];
    const listing =
      held.length === 0
        ? "no file"
        : `${held.slice(0, 5).join(", ")}${held.length > 5 ? `, … (${held.length} files)` : ""}`;
    throw new InputError(`${where} (${job.name}): ${plan.error}; they hold ${listing}`);
  }
  const image = opts.onHost
    ? undefined
    : (opts.image ??
      (await expandImage(imageOf(files, plan.reproDir, plan.jobName), project, services)));
  if (opts.run && !opts.onHost && image === undefined)
    throw new InputError(
      `${where}: its artifacts do not say which image it ran in: give --image, or --on-host`,
    );

  await writeReproduction(opts.dir, files, plan);
  output.out(`job ${job.id} failed: ${job.name} (${job.webUrl})`);
  output.out(`its reproduction folder, environment and install script are in ${opts.dir}`);
  const commands = reproduceCommands(opts.dir, image);
  if (!opts.run) {
    output.out(
      image
        ? `rebuild it in the job's image ${image} (buildah, as the job did):`
        : "rebuild it with this machine's Spack (the same version as the job's):",
    );
    for (const line of commands) output.out(`  ${line}`);
    return;
  }
  output.out(image ? `rebuilding it in ${image}` : "rebuilding it with this machine's Spack");
  const code = await services.shell(commands.join("\n"), opts.dir);
  if (code !== 0) throw new ReproducedFailure(code);
  output.out("the build succeeded here: the failure depends on the job's machine");
}

/**
 * The image with `$CI_REGISTRY_IMAGE` (what the generated jobs name the builder by) replaced:
 * from this environment when it is a CI job's, else from the project's settings. An image
 * that names other variables is not guessed at.
 */
async function expandImage(
  image: string | undefined,
  project: string,
  services: ReproduceServices,
): Promise<string | undefined> {
  if (image === undefined || !image.includes("CI_REGISTRY_IMAGE")) return image;
  const root = services.registryImage ?? (await services.jobs.registryImage(project));
  const expanded = root ? image.replace(/\$\{?CI_REGISTRY_IMAGE\b\}?/g, root) : image;
  return expanded.includes("$") ? undefined : expanded;
}

/** The job's image, from a pipeline file Spack copied into the reproduction folder. */
function imageOf(
  files: ReadonlyMap<string, Uint8Array>,
  reproDir: string,
  jobName: string,
): string | undefined {
  for (const [path, bytes] of files) {
    if (posix.dirname(path) !== reproDir || !/\.ya?ml$/.test(path)) continue;
    let doc: unknown;
    try {
      doc = load(new TextDecoder().decode(bytes));
    } catch {
      continue;
    }
    const job = isMapping(doc) ? doc[jobName] : undefined;
    const image = isMapping(job) ? job["image"] : undefined;
    const name = isMapping(image) ? image["name"] : image;
    if (typeof name === "string" && name) return name;
  }
  return undefined;
}

/**
 * The reproduction folder as the artifacts hold it, the concrete environment back where
 * install.sh activates it, and reproduce.sh (install.sh for this folder). Written beside
 * `dir` first and renamed into place, so a failure leaves nothing half-written.
 */
async function writeReproduction(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  plan: Reproduction,
): Promise<void> {
  const temporary = await mkdir(dirname(dir), { recursive: true })
    .then(() => mkdtemp(join(dirname(dir), `.${basename(dir)}-`)))
    .catch((error: unknown) => {
      throw writeFailure(dir, error);
    });
  try {
    const put = async (path: string, content: string | Uint8Array) => {
      await mkdir(dirname(join(temporary, path)), { recursive: true });
      await writeFile(join(temporary, path), content, { mode: 0o644 });
    };
    for (const [path, bytes] of files)
      if (path.startsWith(`${plan.reproDir}/`)) await put(path, bytes);
    for (const name of ["spack.yaml", "spack.lock"])
      await put(posix.join(plan.envDir, name), files.get(`${plan.reproDir}/${name}`)!);
    await put(REPRODUCE_SCRIPT, localInstallScript(plan, dir));
    // An empty folder given as the target (checked before): rmdir refuses anything else.
    if (existsSync(dir)) await rmdir(dir);
    await rename(temporary, dir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw writeFailure(dir, error);
  }
}
