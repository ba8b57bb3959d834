import { InputError } from "../../../common/src/errors.js";
import type { ArchitectureConfig, Config, DeployConfig } from "./schema.js";
import type { EmulationConfig } from "./architecture-schema.js";

/**
 * One architecture as the planners see it, resolved once from the configuration: its
 * runner tags and job variables (proxy included), image tag suffix, Spack cache and
 * container buckets (with their credential variable names), deploy target and Spack settings.
 */
export interface Architecture {
  readonly name: string;
  /** Runner tags of every job of the architecture. */
  readonly runnerTags: readonly string[];
  /** Variables every job of it gets: the proxy's when it uses the proxy, then its own (proxy variables in both cases). */
  readonly jobVariables: Readonly<Record<string, string>>;
  /** The proxy part of them, for jobs on other runners of the site (deploy, manifests). */
  readonly proxyVariables: Readonly<Record<string, string>>;
  /** What its image tags end with: "" for amd64 and "-<name>" elsewhere, unless configured. */
  readonly tagSuffix: string;
  readonly cache: ArchitectureConfig["cache"];
  readonly containers: ArchitectureConfig["containers"];
  readonly deploy: DeployConfig | undefined;
  /** The Spack target it builds for (`%BASE_ARCH%`). */
  readonly baseArch: string;
  /** Where its jobs go when no native runner is online (with `checkRunners`). */
  readonly emulation: EmulationConfig | undefined;
  /** True when this run builds it under emulation: its runner tags are then the fallback's. */
  readonly emulated: boolean;
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

/**
 * The architectures `--arch` names (every configured one when it names none), or bad input
 * that lists the configured ones.
 */
export function chosenArchitectures(config: Config, names: readonly string[]): Architecture[] {
  const all = resolveArchitectures(config);
  const unknown = names.filter((name) => !all.has(name));
  if (unknown.length > 0)
    throw new InputError(
      `--arch ${unknown.join(", ")} is not configured; the configured are: ${[...all.keys()].join(", ")}`,
    );
  return names.length > 0 ? names.map((name) => all.get(name)!) : [...all.values()];
}

function resolveArchitecture(
  config: Config,
  name: string,
  settings: ArchitectureConfig,
): Architecture {
  return {
    name,
    runnerTags: settings.runnerTags,
    jobVariables: withProxyTwins({
      ...(settings.proxy ? config.proxy : {}),
      ...settings.variables,
    }),
    proxyVariables: settings.proxy ? withProxyTwins(config.proxy) : {},
    tagSuffix: settings.tagSuffix ?? (name === "amd64" ? "" : `-${name}`),
    cache: settings.cache,
    containers: settings.containers,
    deploy: settings.deploy,
    baseArch: settings.baseArch,
    emulation: settings.emulation,
    emulated: false,
  };
}

/**
 * The architecture as a run without a native runner builds it: on the fallback runners,
 * its image builds registering qemu-user-static first.
 */
export function emulatedArchitecture(arch: Architecture): Architecture {
  if (!arch.emulation) throw new Error(`${arch.name} has no emulation settings`);
  return { ...arch, runnerTags: arch.emulation.runnerTags, emulated: true };
}

const PROXY_NAMES = new Set(["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]);

/**
 * Job variables with each proxy variable in both cases: curl and wget read only the
 * lower-case `http_proxy`, other tools prefer the upper case, so a proxy variable is set in
 * the case not given too (a variable given in both cases is left as given).
 */
export function withProxyTwins(
  variables: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const twins = Object.entries(variables).flatMap(([name, value]) => {
    if (!PROXY_NAMES.has(name.toUpperCase())) return [];
    const twin = name === name.toUpperCase() ? name.toLowerCase() : name.toUpperCase();
    return twin in variables ? [] : [[twin, value] as const];
  });
  return { ...variables, ...Object.fromEntries(twins) };
}
