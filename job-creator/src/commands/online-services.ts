import { resolveArchitectures, type Architecture } from "../config/architecture.js";
import { InputError } from "../../../common/src/errors.js";
import type { Runner } from "../../../common/src/run.js";
import type { HttpPolicy } from "../../../common/src/http.js";
import { S3Store } from "../../../common/src/s3/s3-store.js";
import { cachedSpecs, mirrorRoot } from "../../../common/src/spack-cache/index.js";
import { registryDecider } from "../base-images/registry-decider.js";
import { readSpackRevision } from "../base-images/spack-revision.js";
import type { Config } from "../config/schema.js";
import { parseImageReference } from "../definitions/image-ref.js";
import pLimit, { type LimitFunction } from "p-limit";
import { DEFAULT_CONCURRENCY, OciRegistryClient } from "../registry/oci-client.js";
import { isAbsent } from "../registry/types.js";
import type { ServicesFactory } from "./create-jobs.js";
import type { RunnersApi } from "../gitlab/runners-api.js";
import type { GitlabConnection } from "../../../common/src/gitlab-requester.js";
import type { ImagesServices } from "./images.js";
import { RegistryTagClient } from "../registry/tag-client.js";
import type { WorkflowServicesFactory } from "./generate-workflow.js";

type Environment = Readonly<Record<string, string | undefined>>;

export interface ServiceTuning {
  readonly http?: HttpPolicy;
  /** Requests in flight at once for the whole run (registries and buckets together). */
  readonly concurrency?: number;
}

/** Replaces `$NAME` and `${NAME}` with values from `env`; an unset variable is bad input. */
export function expandVariables(text: string, env: Environment, where: string): string {
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
 * A registry client that logs in to the project's registry and to each publish target
 * with the credentials of the CI variables the configuration names; other registries
 * (a `.def` file's source) are read anonymously.
 */
function registryClient(
  config: Config,
  env: Environment,
  tuning: ServiceTuning,
  limit: LimitFunction = pLimit(tuning.concurrency ?? DEFAULT_CONCURRENCY),
) {
  return new OciRegistryClient({
    ...(tuning.http ? { http: tuning.http } : {}),
    limit,
    ...registryLogins(config, env, "pull from"),
  });
}

/**
 * The login to each registry: the project's and each publish target's, from the CI
 * variables the configuration names; the hint says which to set to be allowed to `what`.
 */
export function registryLogins(config: Config, env: Environment, what: string) {
  const loginFor = (registry: string) => {
    if (registry === expandVariables(config.registry.host, env, "registry.host"))
      return config.registry.credentials;
    return config.publish.find((p) => p.registry === registry)?.credentials;
  };
  return {
    credentialsFor: (registry: string) => {
      const login = loginFor(registry);
      const username = login && env[login.userVariable];
      const password = login && env[login.passwordVariable];
      return username && password ? { username, password } : undefined;
    },
    credentialHint: (registry: string) => {
      const login = loginFor(registry);
      return login
        ? `set ${login.userVariable} and ${login.passwordVariable} to an account that can ${what} ${registry}`
        : `${registry} is read without credentials: is the image public?`;
    },
  };
}

/**
 * The services `jc create-jobs` uses without `--offline`: the registry over the OCI
 * distribution API with credentials from the configured CI variables, and git for the
 * Spack commit. `env` is passed in by the entry point; nothing here reads process.env.
 */
export function onlineServices(
  env: Environment,
  run: Runner,
  tuning: ServiceTuning = {},
): ServicesFactory {
  return (config) => ({
    images: registryDecider(registryClient(config, env, tuning), (text) =>
      expandVariables(text, env, "registry.imageRoot"),
    ),
    spackRevision: (c) => readSpackRevision(run, c.spack.repository, c.spack.branch),
    ...(config.checkRunners
      ? { runners: lazyRunnersApi(gitlabConnection(env, tuning, "checkRunners: true")) }
      : {}),
  });
}

/** GitLab's runners API, its client (gitbeaker, some 90 ms to load) loaded when first asked. */
function lazyRunnersApi(connection: GitlabConnection): RunnersApi {
  let api: Promise<RunnersApi> | undefined;
  return {
    async runnersWithTags(tags) {
      api ??= import("../gitlab/runners-api.js").then((m) => m.gitlabRunnersApi(connection));
      return (await api).runnersWithTags(tags);
    },
  };
}

/**
 * GitLab's API as the CI variables give it (CI_API_V4_URL, CI_PROJECT_ID) with the token of
 * GITLAB_API_TOKEN; missing ones are bad input, `why` says what needs them.
 */
export function gitlabConnection(
  env: Environment,
  tuning: ServiceTuning,
  why: string,
): GitlabConnection {
  const missing = ["CI_API_V4_URL", "CI_PROJECT_ID", "GITLAB_API_TOKEN"].filter((n) => !env[n]);
  if (missing.length > 0)
    throw new InputError(
      `${why} asks GitLab's API, which needs ${missing.join(", ")}: GitLab CI sets the first two; GITLAB_API_TOKEN is a project access token with the read_api scope and the Maintainer role (a CI/CD variable, masked)`,
    );
  return {
    apiUrl: env["CI_API_V4_URL"]!,
    projectId: env["CI_PROJECT_ID"]!,
    token: env["GITLAB_API_TOKEN"]!,
    ...(tuning.http ? { http: tuning.http } : {}),
  };
}

/**
 * The services of `jc generate-spacktainer-workflow`: image labels from the registries,
 * SIF metadata from each arch's containers bucket (HEAD through the AWS SDK, with the key
 * pair of the CI variables the configuration names), source digests of `.def` images.
 */
export function onlineWorkflowServices(
  env: Environment,
  run: Runner,
  tuning: ServiceTuning = {},
): WorkflowServicesFactory {
  return (config) => {
    // One limit for every request of the run: manifests, configs, tokens and SIF HEADs.
    const limit = pLimit(tuning.concurrency ?? DEFAULT_CONCURRENCY);
    const client = registryClient(config, env, tuning, limit);
    const architectures = resolveArchitectures(config);
    const stores = new Map<string, S3Store>();
    const store = (arch: string): S3Store => {
      if (!stores.has(arch))
        stores.set(arch, containersStore(architectures.get(arch)!, env, tuning.http));
      return stores.get(arch)!;
    };
    /** A configured reference, its CI variables expanded, parsed. */
    const reference = (text: string) => {
      const expanded = expandVariables(text, env, "registry.imageRoot");
      const parsed = parseImageReference(expanded);
      if ("error" in parsed)
        throw new InputError(`${expanded} is not a valid image reference: ${parsed.error}`);
      return parsed;
    };
    return {
      checks: {
        willRead(repositories) {
          client.expectRepositories(repositories.map(reference));
        },
        async imageLabels(ref, arch) {
          const found = await client.imageFor(reference(ref), arch);
          return isAbsent(found) ? undefined : found.labels;
        },
        sifMetadata: (arch, key) => limit(() => store(arch).metadata(key)),
        cachedSpecs: (arch, bucket) =>
          limit(() => readCachedSpecs(architectures.get(arch)!, bucket, env, tuning.http)),
      },
      sourceDigest: (ref) => client.digestOf(ref),
      run,
    };
  };
}

/**
 * What `jc images` reads: tags and manifests (pull rights), each live tag's image for the arch
 * (digest and labels), and the containers buckets.
 */
export function publishedImagesServices(
  config: Config,
  env: Environment,
  tuning: ServiceTuning = {},
): ImagesServices {
  const client = registryClient(config, env, tuning);
  return {
    tags: new RegistryTagClient({
      ...(tuning.http ? { http: tuning.http } : {}),
      ...registryLogins(config, env, "pull from"),
    }),
    async image(ref, arch) {
      const found = await client.imageFor(ref, arch);
      return isAbsent(found) ? undefined : { digest: found.digest, labels: found.labels };
    },
    sifBucket: (arch) => containersStore(arch, env, tuning.http),
    expand: (text) => expandVariables(text, env, "registry.imageRoot"),
  };
}

/** The containers bucket of an arch, with the key pair of the CI variables the configuration names. */
export const containersStore = (
  arch: Pick<Architecture, "containers">,
  env: Environment,
  http?: HttpPolicy,
) => bucketStore(arch.containers.bucket, arch.containers, env, http);

/** A bucket, with the endpoint and the key pair of the CI variables the configuration names. */
function bucketStore(
  bucket: string,
  settings: {
    readonly endpoint?: string;
    readonly region?: string;
    readonly credentials: {
      readonly accessKeyIdVariable: string;
      readonly secretAccessKeyVariable: string;
    };
  },
  env: Environment,
  http: HttpPolicy | undefined,
): S3Store {
  const { endpoint, credentials } = settings;
  const accessKeyId = env[credentials.accessKeyIdVariable];
  const secretAccessKey = env[credentials.secretAccessKeyVariable];
  const region = settings.region ?? env["AWS_REGION"];
  return new S3Store({
    bucket,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    credentialVariables: [credentials.accessKeyIdVariable, credentials.secretAccessKeyVariable],
    ...(http ? { policy: http } : {}),
  });
}

/**
 * The specs a cache bucket of the arch lists in its index (none without one); undefined
 * when it cannot be read (corrupt, no rights): the plan then says nothing about packages.
 */
async function readCachedSpecs(
  arch: Pick<Architecture, "cache">,
  bucket: string,
  env: Environment,
  http: HttpPolicy | undefined,
): Promise<ReadonlySet<string> | undefined> {
  const store = bucketStore(bucket, arch.cache, env, http);
  const root = mirrorRoot(arch.cache.prefix);
  try {
    const read = await cachedSpecs(async (key) => (await store.get(root + key))?.body, bucket);
    return read.problems.length > 0 ? undefined : read.hashes;
  } catch {
    return undefined;
  }
}
