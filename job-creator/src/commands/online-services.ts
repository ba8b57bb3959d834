import { InputError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import type { RetryPolicy } from "../../../common/src/retry.js";
import { registryDecider } from "../base-images/registry-decider.js";
import { readSpackRevision } from "../base-images/spack-revision.js";
import { OciRegistryClient } from "../registry/oci-client.js";
import type { ServicesFactory } from "./create-jobs.js";

/** Replaces `$NAME` and `${NAME}` with values from `env`; an unset variable is bad input. */
export function expandVariables(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      const value = env[name];
      if (value === undefined || value === "") {
        throw new InputError(
          `${where} refers to $${name}, which is not set: run inside GitLab CI, export it, or use --offline`,
        );
      }
      return value;
    },
  );
}

/**
 * The services `jc create-jobs` uses without `--offline`: the registry over the OCI
 * distribution API with credentials from the configured CI variables, and git for the
 * Spack commit. `env` is passed in by the entry point; nothing here reads process.env.
 */
export function onlineServices(
  env: Readonly<Record<string, string | undefined>>,
  run: Runner,
  tuning: { retry?: RetryPolicy; timeoutMs?: number } = {},
): ServicesFactory {
  return (config) => {
    const { credentials } = config.registry;
    const host = () => expandVariables(config.registry.host, env, "registry.host");
    const client = new OciRegistryClient({
      ...tuning,
      credentialsFor: (registry) => {
        const username = env[credentials.userVariable];
        const password = env[credentials.passwordVariable];
        return registry === host() && username && password ? { username, password } : undefined;
      },
      credentialHint: () =>
        `set ${credentials.userVariable} and ${credentials.passwordVariable} (registry.credentials in the configuration) to an account that can pull`,
    });
    return {
      images: registryDecider(client, (text) => expandVariables(text, env, "registry.imageRoot")),
      spackRevision: (c) => readSpackRevision(run, c.spack.repository, c.spack.branch),
    };
  };
}
