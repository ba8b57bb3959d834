import { join } from "node:path";
import { chosenArchitectures } from "../config/architecture.js";
import { readConfig } from "../config/read.js";
import type { RunnersApi } from "../gitlab/runners-api.js";
import {
  archCapacity,
  placementOf,
  type ArchCapacity,
  type Placement,
} from "../runners/capacity.js";

export interface RunnersOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  /** The architectures to look at; all configured when empty. */
  readonly archs: readonly string[];
}

/** `jc runners`: per architecture, the runners with its tags and whether native builds are possible. */
export async function runnersReport(
  opts: RunnersOptions,
  api: RunnersApi,
): Promise<{ capacity: ArchCapacity; placement: Placement }[]> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  return Promise.all(
    chosenArchitectures(config, opts.archs).map(async (arch) => {
      const capacity = archCapacity(arch, await api.runnersWithTags(arch.runnerTags));
      return { capacity, placement: placementOf(capacity, arch.emulation) };
    }),
  );
}
