/**
 * The benchmarks' view of Spack outputs as a dependency graph, and the duration models they
 * give `jc process-spack-pipeline` (`--durations`).
 */
import { writeFile } from "node:fs/promises";
import { toYaml } from "../common/src/yaml-io.js";
import { packageOf } from "../job-creator/src/spack-pipeline/durations.js";
import { SpackMerge } from "../job-creator/src/spack-pipeline/merge.js";
import { readSpackOutputs } from "../job-creator/src/spack-pipeline/read.js";

/** A deterministic number in [0, 1) for a package name. */
function unit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Build minutes by package name. */
export const MODELS: Record<string, (pkg: string) => number> = {
  // Every package between 2 and 20 minutes.
  uniform: (pkg) => Math.round(2 + 18 * unit(pkg)),
  // Most packages quick, some medium, 3% between one and four hours (compilers, LLVM, Qt...).
  "heavy-tailed": (pkg) => {
    const u = unit(pkg);
    const v = unit(`${pkg}#`);
    return Math.round(u < 0.03 ? 60 + 180 * v : u < 0.15 ? 15 + 30 * v : 2 + 10 * v);
  },
};

export interface Graph {
  readonly packages: Map<string, string>; // job name -> package
  readonly deps: Map<string, string[]>; // job name -> dependency job names
  readonly order: string[];
}

export async function inputGraph(dir: string): Promise<Graph> {
  const merge = new SpackMerge();
  await readSpackOutputs(dir, { maxBytes: 1e9, setting: "bench" }, (o) => {
    merge.add(o);
  });
  const merged = merge.result();
  const nameOf = new Map(merged.jobs.map((j) => [j.hash, j.name]));
  return {
    packages: new Map(merged.jobs.map((j) => [j.name, packageOf(j)])),
    deps: new Map(merged.jobs.map((j) => [j.name, j.dependencies.map((h) => nameOf.get(h)!)])),
    order: merged.jobs.map((j) => j.name),
  };
}

/** A durations file for every package of the graph under the model. */
export async function writeDurations(
  file: string,
  graph: Graph,
  minutes: (pkg: string) => number,
): Promise<void> {
  const packages = [...new Set(graph.packages.values())];
  await writeFile(file, toYaml(Object.fromEntries(packages.map((p) => [p, minutes(p)]))));
}
