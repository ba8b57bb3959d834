// The three functions alone: the whole package loads its every module (twice the time).
import coerce from "semver/functions/coerce.js";
import lt from "semver/functions/lt.js";
import parse from "semver/functions/parse.js";
import { isMapping } from "../../../common/src/mapping.js";
import {
  LEGACY_MIRROR_NAME,
  READ_ONLY_MIRROR_NAME,
  UPLOAD_MIRROR_NAME,
  type SpackJobKind,
} from "./names.js";

/** What one architecture puts into every container's Spack environment. */
export interface SpackArchSettings {
  readonly baseArch: string;
  readonly mirrorUrl: string;
  readonly mirrorEndpoint?: string;
  /**
   * The default branch's cache, read (never pushed to) by other branches' environments, so
   * that a branch rebuilds only what the default branch has not built.
   */
  readonly readOnlyMirrorUrl?: string;
  readonly runnerTags: readonly string[];
  readonly builderImage: string;
  readonly variables: Readonly<Record<string, string>>;
}

/** The jobs of `ci.pipeline-gen` that run on the arch's runners in the builder image. */
const ARCH_JOB_KINDS: readonly SpackJobKind[] = ["build-job", "reindex-job", "noop-job"];

/**
 * Puts the arch's settings into a merged environment, in the form the configured Spack
 * release expects: the base requirement on `packages.all`, the upload mirror (named
 * `buildcache-destination` from v0.21, required so from v0.23), and runner tags, image and
 * variables on the `ci.pipeline-gen` jobs.
 */
export function applyArchSettings(
  environment: Readonly<Record<string, unknown>>,
  settings: SpackArchSettings,
  spackVersion: string,
): Record<string, unknown> {
  const env = replaceBaseArch(structuredClone(environment), settings.baseArch) as Record<
    string,
    unknown
  >;
  env["packages"] = withBaseRequirement(env["packages"], settings.baseArch);
  env["mirrors"] = {
    ...(isMapping(env["mirrors"]) ? env["mirrors"] : {}),
    ...mirrorEntry(settings, spackVersion),
  };
  env["ci"] = withPipelineGen(env["ci"], settings);
  return env;
}

/** The placeholder of the original spacktainers' templates, replaced in every string value. */
export const BASE_ARCH_PLACEHOLDER = "%BASE_ARCH%";

function replaceBaseArch(value: unknown, baseArch: string): unknown {
  if (typeof value === "string") return value.replaceAll(BASE_ARCH_PLACEHOLDER, baseArch);
  if (Array.isArray(value)) return value.map((item) => replaceBaseArch(item, baseArch));
  if (isMapping(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceBaseArch(item, baseArch)]),
    );
  return value;
}

function withBaseRequirement(packages: unknown, baseArch: string): Record<string, unknown> {
  const all = isMapping(packages) && isMapping(packages["all"]) ? packages["all"] : {};
  const existing = all["require"];
  const listed = Array.isArray(existing) ? (existing as unknown[]) : [existing];
  // A template written for the original (`require: "%BASE_ARCH%"`) already says it.
  const require =
    existing === undefined
      ? baseArch
      : listed.includes(baseArch)
        ? existing
        : [baseArch, ...listed];
  return { ...(isMapping(packages) ? packages : {}), all: { ...all, require } };
}

function mirrorEntry(settings: SpackArchSettings, spackVersion: string): Record<string, unknown> {
  const version = coerce(spackVersion) ?? parse("0.23.0")!;
  const name = lt(version, "0.21.0") ? LEGACY_MIRROR_NAME : UPLOAD_MIRROR_NAME;
  const mirror = (url: string) =>
    settings.mirrorEndpoint ? { url, endpoint_url: settings.mirrorEndpoint } : url;
  return {
    [name]: mirror(settings.mirrorUrl),
    // Spack's CI pushes only to the upload mirror: this one is only fetched from.
    ...(settings.readOnlyMirrorUrl
      ? { [READ_ONLY_MIRROR_NAME]: mirror(settings.readOnlyMirrorUrl) }
      : {}),
  };
}

function withPipelineGen(ci: unknown, settings: SpackArchSettings): Record<string, unknown> {
  const base = isMapping(ci) ? ci : {};
  const entries = Array.isArray(base["pipeline-gen"])
    ? [...(base["pipeline-gen"] as unknown[])]
    : [];
  const archJob = {
    tags: [...settings.runnerTags],
    image: { name: settings.builderImage, entrypoint: [""] },
    ...(Object.keys(settings.variables).length > 0 ? { variables: { ...settings.variables } } : {}),
  };
  for (const kind of ARCH_JOB_KINDS) {
    const index = entries.findIndex((e) => isMapping(e) && isMapping(e[kind]));
    if (index === -1) {
      entries.push({ [kind]: archJob });
      continue;
    }
    const entry = entries[index] as Record<string, Record<string, unknown>>;
    const job = entry[kind]!;
    const variables = {
      ...(isMapping(job["variables"]) ? job["variables"] : {}),
      ...archJob.variables,
    };
    entries[index] = {
      ...entry,
      [kind]: {
        ...job,
        tags: archJob.tags,
        image: archJob.image,
        ...(Object.keys(variables).length ? { variables } : {}),
      },
    };
  }
  return { target: "gitlab", ...base, "pipeline-gen": entries };
}
