import type { ArchitectureConfig, Config, DeployConfig } from "./schema.js";

/**
 * One architecture as the planners see it, resolved once from the configuration: its
 * runner tags and job variables (proxy included), image tag suffix, Spack cache and
 * container buckets (with their credential variable names), deploy target and Spack settings.
 */
export interface Architecture {
  readonly name: string;
  /** Runner tags of every job of the architecture. */
  readonly runnerTags: readonly string[];
  /** Variables every job of it gets: the proxy's when it uses the proxy, then its own. */
  readonly jobVariables: Readonly<Record<string, string>>;
  /** What its image tags end with: "" for amd64 and "-<name>" elsewhere, unless configured. */
  readonly tagSuffix: string;
  readonly cache: ArchitectureConfig["cache"];
  readonly containers: ArchitectureConfig["containers"];
  readonly deploy: DeployConfig | undefined;
  /** The Spack target it builds for (`%BASE_ARCH%`). */
  readonly baseArch: string;
}

/** Every configured architecture, by name. */
export function resolveArchitectures(config: Config): ReadonlyMap<string, Architecture> {
  return new Map(
    Object.entries(config.architectures).map(([name, settings]) => [
      name,
      resolveArchitecture(config, name, settings),
    ]),
  );
}

function resolveArchitecture(
  config: Config,
  name: string,
  settings: ArchitectureConfig,
): Architecture {
  return {
    name,
    runnerTags: settings.runnerTags,
    jobVariables: { ...(settings.proxy ? config.proxy : {}), ...settings.variables },
    tagSuffix: settings.tagSuffix ?? (name === "amd64" ? "" : `-${name}`),
    cache: settings.cache,
    containers: settings.containers,
    deploy: settings.deploy,
    baseArch: settings.baseArch,
  };
}
