import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { REPO_ROOT } from "./paths.js";

/** The parts of the repository that `jc create-jobs` reads. */
const INPUTS = [
  "spacktainers.config.yaml",
  "spack.yaml",
  "container_definitions",
  "builder",
  "runtime",
  "singularitah",
  "spacktainer",
];

/** A temporary directory, removed when the test ends. */
export async function tempDir(prefix = "spacktainers-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the bundled example repository that a test may change. */
export async function exampleRepo(): Promise<string> {
  const dir = await tempDir();
  for (const entry of INPUTS)
    await cp(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  return dir;
}
