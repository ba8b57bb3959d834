import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** Every file below `dir`, as sorted paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** A test configuration's architecture: runner tag, caches, and the given containers bucket. */
export function testArchitecture(runner: string, containers: Record<string, unknown>) {
  return {
    runnerTags: [runner],
    baseArch: "%gcc@12 os=ubuntu22.04",
    cache: {
      defaultBranch: { bucket: "cache-main", maxAgeDays: 90 },
      otherBranches: { bucket: "cache-dev", maxAgeDays: 30 },
    },
    containers,
  };
}
