/**
 * Reproducing a failed Spack rebuild job from the folder `spack ci rebuild` leaves in its
 * artifacts (`<SPACK_ARTIFACTS_ROOT>/reproduction/`: repro.json, install.sh, the concrete
 * environment's spack.yaml and spack.lock, the job's spec). Pure: the archive's files come in,
 * what to write and run goes out.
 */
import { posix } from "node:path";
import { shellQuote } from "../../../common/src/shell.js";

/** A job named by its id, or by its URL (`https://host/group/project/-/jobs/123`). */
export type JobReference =
  | { readonly jobId: number }
  | { readonly jobId: number; readonly projectPath: string; readonly origin: string };

export function parseJobReference(text: string): JobReference | { error: string } {
  if (/^[1-9]\d{0,15}$/.test(text)) return { jobId: Number(text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `${JSON.stringify(text)} is neither a job id nor a job URL` };
  }
  const match = /^\/(.+?)\/-\/jobs\/(\d{1,16})\/?$/.exec(url.pathname);
  if (!["http:", "https:"].includes(url.protocol) || !match)
    return {
      error: `${JSON.stringify(text)} is no job URL: expected https://<gitlab>/<group>/<project>/-/jobs/<id>`,
    };
  return {
    jobId: Number(match[2]),
    projectPath: decodeURIComponent(match[1]!),
    origin: url.origin,
  };
}

/** What `spack ci rebuild` recorded about the failed job, and where its files are. */
export interface Reproduction {
  readonly jobName: string;
  /** Where the job ran (`CI_PROJECT_DIR`): absolute paths of install.sh start with it. */
  readonly projectDir: string;
  /** The reproduction folder, relative to the project folder. */
  readonly reproDir: string;
  /** The concrete environment install.sh activates, relative to the project folder. */
  readonly envDir: string;
  /** The job's spec file, relative to the reproduction folder. */
  readonly specFile: string;
  readonly installScript: string;
}

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

/**
 * The reproduction in a job's artifact files (paths relative to the project folder), or
 * what is missing. install.sh runs `spack -e <absolute env folder> …`, which tells where the
 * concrete environment must be put back.
 */
export function reproductionOf(
  files: ReadonlyMap<string, Uint8Array>,
): Reproduction | { error: string } {
  const found = [...files.keys()].filter((p) => p.endsWith("/reproduction/repro.json"));
  if (found.length !== 1)
    return {
      error:
        found.length === 0
          ? "its artifacts hold no reproduction folder of `spack ci rebuild` (<artifacts root>/reproduction/repro.json): is it a Spack rebuild job, and did it get as far as the build?"
          : `its artifacts hold several reproduction folders (${found.join(", ")})`,
    };
  const reproDir = posix.dirname(found[0]!);
  let details: { job_name?: unknown; job_spec_json?: unknown; ci_project_dir?: unknown };
  try {
    details = JSON.parse(text(files.get(found[0]!))!) as typeof details;
  } catch (error) {
    return { error: `${found[0]} is no JSON: ${(error as Error).message}` };
  }
  const [jobName, specFile, projectDir] = [
    details.job_name,
    details.job_spec_json,
    details.ci_project_dir,
  ];
  if (typeof jobName !== "string" || typeof specFile !== "string" || typeof projectDir !== "string")
    return { error: `${found[0]} lacks job_name, job_spec_json or ci_project_dir` };
  const installScript = text(files.get(`${reproDir}/install.sh`));
  if (installScript === undefined) return { error: `${reproDir} holds no install.sh` };
  for (const name of ["spack.yaml", "spack.lock"])
    if (!files.has(`${reproDir}/${name}`))
      return { error: `${reproDir} holds no ${name} (the job's concrete environment)` };
  const env = /"-e" "([^"]+)"/.exec(installScript)?.[1];
  const prefix = `${projectDir.replace(/\/+$/, "")}/`;
  if (!env?.startsWith(prefix))
    return {
      error: `${reproDir}/install.sh activates no environment below the job's folder ${projectDir}`,
    };
  const envDir = posix.normalize(env.slice(prefix.length));
  if (envDir.startsWith("..") || posix.isAbsolute(envDir))
    return { error: `install.sh names an environment outside the job's folder: ${env}` };
  return { jobName, projectDir, reproDir, envDir, specFile, installScript };
}

/**
 * install.sh with the job's folder replaced by the local one, in the job's environment: the
 * same commands, run where the artifacts were extracted (directly or mounted at the same path
 * in a container).
 */
export function localInstallScript(reproduction: Reproduction, localDir: string): string {
  const from = `"${reproduction.projectDir.replace(/\/+$/, "")}/`;
  const script = reproduction.installScript.split(from).join(`"${localDir}/`);
  // The job ran install.sh inside the activated environment: its last `spack install`
  // names the spec by hash only, which Spack finds in the active environment.
  const activate = [
    "# The environment the job had activated (spack env activate), for every command below.",
    `export SPACK_ENV="${posix.join(localDir, reproduction.envDir)}"`,
  ];
  const lines = script.split("\n");
  const shebang = lines[0]?.startsWith("#!") ? [lines.shift()!] : [];
  return [...shebang, ...activate, ...lines].join("\n");
}

/** The file names of what is reproduced, below the local folder. */
export const REPRODUCE_SCRIPT = "reproduce.sh";

/**
 * The commands that rebuild the spec, from the local folder: in `image` through buildah with
 * the folder mounted at its own path, or on this machine with its Spack. AWS keys (the
 * build cache) and proxy variables are passed on by name, never by value.
 */
export function reproduceCommands(localDir: string, image: string | undefined): string[] {
  const script = shellQuote(posix.join(localDir, REPRODUCE_SCRIPT));
  if (image === undefined) return [`cd ${shellQuote(localDir)}`, `sh ${script}`];
  const passed = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
  ].map((name) => `--env "${name}=\${${name}:-}"`);
  return [
    `ctr=$(buildah from ${shellQuote(image)})`,
    [
      "buildah run --isolation chroot",
      `--volume ${shellQuote(`${localDir}:${localDir}`)}`,
      `--workingdir ${shellQuote(localDir)}`,
      ...passed,
      '"$ctr" -- sh -lc',
      shellQuote(`sh ${script}`),
    ].join(" ") + "; status=$?",
    'buildah rm "$ctr" >/dev/null',
    'exit "$status"',
  ];
}
