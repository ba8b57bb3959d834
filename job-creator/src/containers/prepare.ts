import { join } from "node:path";
import { InputError } from "../../../common/src/errors.js";
import { GENERATED_LIMIT, readRegularFileSync } from "../../../common/src/read-file.js";
import { readTextFileSync } from "../../../common/src/yaml-io.js";
import { load } from "js-yaml";
import type { BaseImageName } from "../base-images/plan.js";
import type { Architecture } from "../config/architecture.js";
import type { Config } from "../config/schema.js";
import { formatImageReference, type ImageReference } from "../definitions/image-ref.js";
import type { CustomContainer, SpackContainer } from "../definitions/types.js";
import { environmentPath } from "../../../common/src/job-names.js";
import { pinDefinition, spackBuildContext } from "./build-context.js";
import { readContainerLock, type LockSource } from "./lock.js";
import { mainPackageVersion, type TagScheme } from "./tags.js";
import {
  containerChecksum,
  customTarget,
  imageRef,
  spackTarget,
  type SpackTarget,
} from "./targets.js";
import { definitionLimit, spackOutputLimit } from "../config/limits.js";

/*
 * The read side of `jc generate-spacktainer-workflow`: each container's merged environment,
 * lock file, definition and checksums, turned into its target and build context. The
 * decisions come after, from these and the registry and bucket facts.
 */

/** What preparing any container needs: where the files are, the configuration, tags and base images. */
export interface Preparation {
  readonly repoRoot: string;
  /** Where `jc create-jobs` wrote the merged environments, relative to the repository root. */
  readonly generatedDir: string;
  readonly config: Config;
  readonly arch: Architecture;
  readonly scheme: TagScheme;
  readonly base: (image: BaseImageName) => string;
  /** The public key of a signed cache, which every Spack build context carries. */
  readonly signingKey: string | undefined;
}

export async function prepareSpack(
  container: SpackContainer,
  { repoRoot, generatedDir, config, arch, scheme, base, signingKey }: Preparation,
  lockSource: LockSource,
  basedOn?: SpackTarget,
) {
  const envDir = join(repoRoot, generatedDir, environmentPath(arch.name, container.name));
  const envFile = join(envDir, "spack.yaml");
  let envText: string;
  try {
    envText = readRegularFileSync(envFile, envFile, GENERATED_LIMIT).toString("utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      {
        file: envFile,
        message: `no merged environment for container "${container.name}": run jc create-jobs first (or pass --generated-dir)`,
      },
    ]);
  }
  const environment = parseGeneratedYaml(envText, envFile);
  const lock = await readContainerLock(
    lockSource,
    container.name,
    envDir,
    spackOutputLimit(config),
  );
  const firstSpec = (container.environment["specs"] as unknown[] | undefined)?.[0];
  if (typeof firstSpec !== "string")
    throw new InputError([
      {
        file: container.definitionFile,
        message:
          "the first entry of spack.specs must be a spec string: it names the main package, whose version tags the image",
      },
    ]);
  const version = mainPackageVersion(lock.lock, firstSpec);
  if (typeof version !== "string")
    throw new InputError([
      {
        file:
          lockSource.kind === "dir" ? join(lockSource.dir, container.name, "spack.lock") : envFile,
        message: `container "${container.name}": ${version.error}`,
      },
    ]);
  // Built on another of our containers, the runtime stage starts from that image.
  const builderImage = base("builder");
  const runtimeImage = basedOn ? imageRef(basedOn.repository, basedOn.tag) : base("runtime");
  const checksum = containerChecksum(repoRoot, container, [builderImage, runtimeImage], basedOn);
  const target = spackTarget(config, arch, container, {
    version,
    lockSha256: lock.sha256,
    checksum,
    scheme,
    ...(basedOn ? { basedOn } : {}),
    // Externals come from the image, never from the cache.
    specs: new Map(
      [...lock.lock.specs]
        .filter(([, node]) => !node.external)
        .map(([hash, node]) => [hash, node.name]),
    ),
  });
  const context = spackBuildContext({
    repoRoot: repoRoot,
    container,
    environment: { text: envText, data: environment },
    lock: { copyOf: lock.path, sha256: lock.sha256 },
    builderImage,
    runtimeImage,
    signingKey,
  });
  return { target, context };
}

/**
 * A file `jc create-jobs` wrote: read with js-yaml, several times faster than the located
 * parse hand-written files get (no line numbers are needed: a user never edits it).
 */
function parseGeneratedYaml(text: string, file: string): unknown {
  try {
    return load(text, { filename: file });
  } catch (error) {
    throw new InputError([
      {
        file,
        message: `invalid YAML (${(error as Error).message.split("\n")[0]}): run jc create-jobs again`,
      },
    ]);
  }
}

/**
 * The digest of each `.def` container's source image, by container, every lookup started at
 * once (online only; none for a container built on ours). Each container waits for its own:
 * one that does not exist fails that container, naming its file, and only it.
 */
export function sourceDigests(
  containers: readonly (SpackContainer | CustomContainer)[],
  lookup: ((ref: ImageReference) => Promise<string | undefined>) | undefined,
): ReadonlyMap<string, Promise<string>> {
  if (!lookup) return new Map();
  const custom = containers.filter(
    (c): c is CustomContainer & { from: ImageReference } =>
      c.kind !== "spack" && !("container" in c.from),
  );
  return new Map(
    custom.map((c) => {
      const digest = lookup(c.from).then((found) => {
        if (found) return found;
        throw new InputError([
          {
            file: c.definitionFile,
            message: `the From: image ${formatImageReference(c.from)} does not exist in its registry: fix the reference`,
          },
        ]);
      });
      // Awaited by the container's preparation; a failure must not surface before that.
      digest.catch(() => undefined);
      return [c.name, digest];
    }),
  );
}

export function prepareCustom(
  container: CustomContainer,
  { repoRoot, config, arch, scheme, base }: Preparation,
  digest: string | undefined,
  basedOn?: SpackTarget,
) {
  const text = readTextFileSync(
    join(repoRoot, container.definitionFile),
    container.definitionFile,
    definitionLimit(config),
  );
  const checksum = containerChecksum(repoRoot, container, [base("singularitah")], basedOn);
  const target = customTarget(arch, container, {
    checksum,
    scheme,
    ...(digest ? { digest } : {}),
    ...(basedOn ? { basedOn } : {}),
  });
  const from = container.from;
  // On one of ours: a docker bootstrap from its image (the SIF job expands the CI
  // variables of the reference); else the source pinned to the digest read now.
  const written =
    "container" in from
      ? pinDefinition(text, imageRef(basedOn!.repository, basedOn!.tag), "docker")
      : digest
        ? pinDefinition(text, formatImageReference(pinnedReference(from, digest)))
        : text;
  return { target, context: new Map([[`${container.name}.def`, written]]) };
}

/** `repo@digest`: image tools refuse a reference holding both a tag and a digest. */
function pinnedReference(from: ImageReference, digest: string): ImageReference {
  return { registry: from.registry, repository: from.repository, digest };
}
