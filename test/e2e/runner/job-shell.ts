import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { shellQuote } from "../../../common/src/shell.js";

/**
 * What a job's image provides, on this machine: host folders seen at absolute paths
 * inside the job (as the image would hold them: `/opt/spack` of the builder), folders put
 * first on PATH, and environment variables. `standIns` names what is not the real tool.
 */
export interface ImageEnvironment {
  readonly mounts?: readonly { readonly source: string; readonly target: string }[];
  readonly path?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly standIns?: readonly string[];
}

export interface ShellResult {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs a job's script the way GitLab's shell executor does (`set -eo pipefail`, one
 * shell for before_script and script), in private mount and PID namespaces whose `/opt` is
 * an empty tmpfs holding only the image's mounts: installs into `/opt/software` stay inside
 * the job, the host's `/opt` is never touched, and nothing the job started outlives it.
 * Only the given variables are seen.
 */
export async function runJobShell(options: {
  readonly workdir: string;
  readonly scratch: string;
  readonly lines: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  readonly image: ImageEnvironment;
}): Promise<ShellResult> {
  const script = join(options.scratch, "job.sh");
  await mkdir(options.scratch, { recursive: true });
  await writeFile(script, ["set -eo pipefail", ...options.lines, ""].join("\n"));
  const mounts = (options.image.mounts ?? []).map(
    ({ source, target }) =>
      `mkdir -p ${shellQuote(target)} && mount --bind ${shellQuote(source)} ${shellQuote(target)}`,
  );
  const setup = [
    "mount -t tmpfs tmpfs /opt",
    ...mounts,
    `cd ${shellQuote(options.workdir)}`,
    `exec bash ${shellQuote(script)}`,
  ].join(" && ");
  const env = {
    HOME: join(options.scratch, "home"),
    XDG_RUNTIME_DIR: join(options.scratch, "run"),
    TMPDIR: join(options.scratch, "tmp"),
    LANG: "C.UTF-8",
    ...options.image.env,
    ...options.variables,
    PATH: [...(options.image.path ?? []), process.env.PATH ?? "/usr/bin:/bin"].join(":"),
  };
  // Kept with the job's scratch folder to rerun a failing job by hand (KEEP_E2E=1).
  await writeFile(join(options.scratch, "job.env.json"), JSON.stringify(env, null, 1));
  for (const dir of [env.HOME, env.XDG_RUNTIME_DIR, env.TMPDIR])
    await mkdir(dir, { recursive: true, mode: 0o700 });
  // A PID namespace of its own: when the job ends, whatever it left running (a gpg-agent
  // that Spack started) ends with it, as with a container that GitLab removes.
  const child = spawn(
    "unshare",
    ["--mount", "--pid", "--fork", "--mount-proc", "bash", "-c", setup],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      resolve(status ?? -1);
    });
  });
  await writeFile(join(options.scratch, "job.log"), output);
  return { code, output };
}
