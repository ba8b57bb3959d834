import { copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { parseDocument } from "yaml";
import { REPO_ROOT, SPACK_FIXTURES } from "./paths.js";

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
  await copyExampleInputs(dir);
  return dir;
}

/** Copies into `dir` the parts of the bundled examples that `jc create-jobs` reads. */
export async function copyExampleInputs(dir: string): Promise<void> {
  for (const entry of INPUTS)
    await cp(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
}

/**
 * Puts the large fixture's spack.lock where the generate job of each Spack container would
 * leave it (`<repo>/locks/<name>/spack.lock`); NEURON is turned off, as no fixture lock holds
 * it. Returns the lock folder.
 */
export async function addLocks(repo: string): Promise<string> {
  await rename(
    join(repo, "container_definitions/amd64/neuron.yaml"),
    join(repo, "container_definitions/amd64/_neuron.yaml"),
  );
  const locks = join(repo, "locks");
  for (const name of ["gromacs", "py-scientific"]) {
    await mkdir(join(locks, name), { recursive: true });
    await copyFile(
      join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"),
      join(locks, name, "spack.lock"),
    );
  }
  return locks;
}

/** The test public key (its secret key was never kept) and where signCache puts it. */
export const TEST_PUBLIC_KEY = join(REPO_ROOT, "test/fixtures/signing/cache-signing.pub");
export const SIGNING_PUBLIC_KEY_PATH = "keys/cache-signing.pub";

/** Makes `arch`'s cache signed: the test public key in the repository, `cache.signing` set. */
export async function signCache(repo: string, arch = "amd64", keyVariable = "CACHE_SIGNING_KEY") {
  await mkdir(join(repo, "keys"), { recursive: true });
  await copyFile(TEST_PUBLIC_KEY, join(repo, SIGNING_PUBLIC_KEY_PATH));
  const file = join(repo, "spacktainers.config.yaml");
  const config = parseDocument(await readFile(file, "utf8"));
  config.setIn(["architectures", arch, "cache", "signing"], {
    keyVariable,
    publicKey: SIGNING_PUBLIC_KEY_PATH,
  });
  await writeFile(file, config.toString());
}

/** The arguments of `jc process-spack-pipeline` for amd64 from `input` into `out`. */
export const processArgs = (repo: string, input: string, out: string, artifacts: string) => [
  "process-spack-pipeline",
  ...["-r", repo, "-a", "amd64", "-d", input, "-o", out, "--artifacts-path", artifacts],
];

/** The arguments of an offline `jc generate-spacktainer-workflow` for `arch`. */
export const workflowArgs = (
  repo: string,
  arch: string,
  locks: string,
  out: string,
  artifacts: string,
) => [
  "generate-spacktainer-workflow",
  ...["--offline", "-r", repo, "-a", arch, "-l", locks, "-o", out, "--artifacts-path", artifacts],
];
