import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSpackOutputs } from "../test/synthetic/spack-output.js";

/** The benchmarks' synthetic stack: `uniqueJobs` specs over 50 containers, as the generate jobs leave them. */
export async function writeSyntheticInput(dir: string, uniqueJobs: number): Promise<void> {
  const outputs = generateSpackOutputs({
    uniqueJobs,
    containers: 50,
    rootsPerContainer: 2,
    maxDependencies: 4,
    seed: uniqueJobs,
  });
  for (const [container, text] of outputs) {
    await mkdir(join(dir, container), { recursive: true });
    await writeFile(join(dir, container, "pipeline.yml"), text);
  }
}
