import { isAbsolute } from "node:path";
import { InputError } from "../../../common/src/errors.js";
import type { Config } from "../config/schema.js";

/** Checks that `--arch` names a configured architecture. */
export function requireArchitecture(config: Config, arch: string, configFile: string): void {
  if (!config.architectures[arch]) {
    throw new InputError(
      `no architecture "${arch}" in ${configFile}: use one of ${Object.keys(config.architectures).join(", ")}`,
    );
  }
}

/** Jobs find generated files by this path inside the artifacts: it must stay in the project dir. */
export function requireArtifactsPath(path: string): void {
  if (isAbsolute(path) || path.split("/").includes("..")) {
    throw new InputError(
      `the artifacts path "${path}" must be relative to the project folder (pass --artifacts-path)`,
    );
  }
  // It names files in job scripts and artifact lists: plain path segments only.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.-]+)*\/?$/.test(path)) {
    throw new InputError(
      `the artifacts path ${JSON.stringify(path)} may hold only letters, digits, ".", "_", "-" and "/" (and not start with "-" or ".")`,
    );
  }
}
