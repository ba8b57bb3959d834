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
  requireJobPath(path, "the artifacts path", "--artifacts-path");
}

/**
 * A folder the generated jobs name in their scripts, `needs` and artifact lists, relative to
 * the project folder: plain path segments only, none starting with "-" (which `cp`, `spack`
 * and jc itself would read as an option) or "." (hidden, or the folder itself).
 */
export function requireJobPath(path: string, what: string, flag: string): void {
  if (isAbsolute(path) || path.split("/").includes("..")) {
    throw new InputError(`${what} "${path}" must be relative to the project folder (pass ${flag})`);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.-]+)*\/?$/.test(path)) {
    throw new InputError(
      `${what} ${JSON.stringify(path)} may hold only letters, digits, ".", "_", "-" and "/" (and not start with "-" or ".")`,
    );
  }
}

/**
 * A `resource_group` as GitLab accepts it: letters, digits, "-", "_", "/", "$", "{", "}", "."
 * and spaces, not starting or ending with "/" (GitLab's Ci::ResourceGroup validation).
 */
export function requireResourceGroup(name: string, flag: string): void {
  if (!/^[A-Za-z0-9_\-$.{} /]+$/.test(name) || name.startsWith("/") || name.endsWith("/"))
    throw new InputError(
      `${flag} ${JSON.stringify(name)}: GitLab accepts only letters, digits, "-", "_", "/", "$", "{", "}", "." and spaces in a resource_group, not starting or ending with "/"`,
    );
}
