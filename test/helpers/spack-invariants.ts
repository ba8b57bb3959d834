import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { expect } from "vitest";
import type { CiLimits } from "../../common/src/ci/limits.js";
import { resolveExtends } from "../../common/src/ci/extends.js";
import { isJobKey } from "../../common/src/ci/types.js";
import { isMapping } from "../../common/src/mapping.js";
import { listSpackOutputs } from "../../job-creator/src/spack-pipeline/read.js";
import { TRIGGER_FILE } from "../../job-creator/src/spack-pipeline/assemble.js";
import { expectValidPipeline } from "./gitlab.js";

type Doc = Record<string, Record<string, unknown>>;

/** hash -> hashes it depends on, over every input file (spack's own `needs`). */
async function inputGraph(inputDir: string): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  for (const { path } of await listSpackOutputs(inputDir)) {
    const doc = load(await readFile(path, "utf8")) as Doc;
    const hashByName = new Map<string, string>();
    for (const [name, job] of Object.entries(doc)) {
      const hash =
        isMapping(job) && isMapping(job["variables"])
          ? job["variables"]["SPACK_JOB_SPEC_DAG_HASH"]
          : undefined;
      if (typeof hash === "string") hashByName.set(name, hash);
    }
    for (const [name, hash] of hashByName) {
      const deps = graph.get(hash) ?? new Set<string>();
      for (const need of (doc[name]!["needs"] ?? []) as Record<string, string>[]) {
        const dep = need["pipeline"] === undefined ? hashByName.get(need["job"]!) : undefined;
        if (dep) deps.add(dep);
      }
      graph.set(hash, deps);
    }
  }
  return graph;
}

/**
 * Checks the invariants of processed output against its input: every rebuild job exactly
 * once; every job after each job it depended on, through a kept need in its file or a
 * bridge chain from that file's bridge; every file valid for GitLab and within the limits.
 */
export async function expectProcessedInvariants(
  inputDir: string,
  outputDir: string,
  files: ReadonlyMap<string, string>,
  limits: CiLimits,
): Promise<void> {
  const graph = await inputGraph(inputDir);
  const docs = new Map<string, Doc>();
  for (const [file, text] of files) docs.set(file, expectValidPipeline(text, limits) as Doc);
  const trigger = docs.get(TRIGGER_FILE)!;
  const where = new Map<string, { file: string; name: string; needs: Set<string> }>();
  for (const [file, doc] of docs) {
    for (const [name, body] of Object.entries(doc)) {
      if (!isJobKey(name) || !isMapping(body)) continue;
      const job = resolveExtends(doc, body);
      const hash =
        isMapping(job) && isMapping(job["variables"])
          ? job["variables"]["SPACK_JOB_SPEC_DAG_HASH"]
          : undefined;
      if (typeof hash !== "string") continue;
      expect(where.has(hash), `${hash} appears twice`).toBe(false);
      const needs = new Set(
        ((job["needs"] ?? []) as Record<string, string>[])
          .filter((n) => !n["pipeline"])
          .map((n) => n["job"]!),
      );
      where.set(hash, { file, name, needs });
      const generateNeeds = ((job["needs"] ?? []) as Record<string, string>[]).filter(
        (n) => n["pipeline"],
      );
      expect(generateNeeds).toHaveLength(1);
      expect(generateNeeds[0]!["pipeline"]).toBe("$GENERATION_PIPELINE_ID");
    }
  }
  expect(new Set(where.keys())).toEqual(new Set(graph.keys()));
  if (graph.size === 0) return;
  const { ancestors, waitsFor } = bridgeGraph(trigger, outputDir);
  // Needs a dependency already implies may go: ordering is kept when the needs reach it.
  const needsOf = new Map([...where.values()].map((w) => [w.name, w.needs]));
  const reachesInFile = (from: string, to: string, seen = new Set<string>()): boolean => {
    for (const need of needsOf.get(from) ?? []) {
      if (need === to) return true;
      if (!seen.has(need) && (seen.add(need), reachesInFile(need, to, seen))) return true;
    }
    return false;
  };
  for (const [hash, deps] of graph) {
    const job = where.get(hash)!;
    for (const dep of deps) {
      const before = where.get(dep)!;
      if (before.file === job.file)
        expect(
          reachesInFile(job.name, before.name),
          `${job.name} waits for ${before.name} through needs in its file`,
        ).toBe(true);
      else
        expect(
          ancestors.get(job.file)?.has(before.file),
          `${before.file} finishes before ${job.file} starts`,
        ).toBe(true);
    }
  }
  // A bridge waits only for files that hold a dependency of one of its jobs.
  const fileDeps = new Map<string, Set<string>>();
  for (const [hash, deps] of graph) {
    const file = where.get(hash)!.file;
    const set = fileDeps.get(file) ?? new Set<string>();
    for (const dep of deps) set.add(where.get(dep)!.file);
    fileDeps.set(file, set);
  }
  for (const [file, waited] of waitsFor)
    for (const other of waited)
      if (!other.endsWith("services.yaml") && !file.endsWith("services.yaml"))
        expect(
          fileDeps.get(file)?.has(other),
          `${file} waits for ${other} without a dependency`,
        ).toBe(true);
}

/**
 * For each child file, the child files whose bridges its bridge waits for: transitively
 * (`ancestors`), and directly or through join jobs only (`waitsFor`).
 */
function bridgeGraph(
  trigger: Doc,
  artifactsDir: string,
): { ancestors: Map<string, Set<string>>; waitsFor: Map<string, Set<string>> } {
  const fileOf = new Map<string, string>();
  for (const [name, job] of Object.entries(trigger)) {
    const include =
      isMapping(job) && isMapping(job["trigger"])
        ? (job["trigger"]["include"] as { artifact: string }[])
        : undefined;
    if (include) fileOf.set(name, include[0]!.artifact.slice(artifactsDir.length + 1));
  }
  const memo = new Map<string, Set<string>>();
  const reach = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const result = new Set<string>();
    for (const need of (trigger[name]?.["needs"] ?? []) as { job: string }[]) {
      if (fileOf.has(need.job)) result.add(need.job);
      for (const n of reach(need.job)) result.add(n);
    }
    memo.set(name, result);
    return result;
  };
  const direct = (name: string): string[] =>
    ((trigger[name]?.["needs"] ?? []) as { job: string }[]).flatMap((need) =>
      fileOf.has(need.job) ? [need.job] : direct(need.job),
    );
  const ancestors = new Map<string, Set<string>>();
  const waitsFor = new Map<string, Set<string>>();
  for (const [bridge, file] of fileOf) {
    ancestors.set(file, new Set([...reach(bridge)].map((b) => fileOf.get(b)!)));
    waitsFor.set(file, new Set(direct(bridge).map((b) => fileOf.get(b)!)));
  }
  return { ancestors, waitsFor };
}

/** Reads every file of an output folder. */
export async function readOutputs(
  dir: string,
  names: Iterable<string>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of names) files.set(name, await readFile(join(dir, name), "utf8"));
  return files;
}
