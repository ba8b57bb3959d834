/**
 * `npm run bench`: how long the child pipelines of `jc process-spack-pipeline` take, by a
 * discrete-event simulation of GitLab's scheduling (job-creator/src/spack-pipeline/schedule.ts)
 * over the files the command actually wrote: bridges wait for what they `needs` (through join
 * jobs), a child pipeline starts when its bridge may, a job when its needs in its file are done
 * and a runner is free. Real Spack v0.21 outputs and synthetic 1k / 5k / 20k specs, under two
 * duration models given to the command with --durations. Reference, measured in the same run:
 * the dependency graph's critical path (unlimited runners) and max(critical path, work / N)
 * (N runners). BENCH_TREE=<checkout> runs another checkout's command (before/after tables);
 * BENCH_NO_DURATIONS=1 leaves --durations out (for checkouts without it).
 */
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { resolveExtends } from "../common/src/ci/extends.js";
import { isJobKey } from "../common/src/ci/types.js";
import { isMapping } from "../common/src/mapping.js";
import {
  criticalPath,
  simulate,
  type ScheduledFile,
} from "../job-creator/src/spack-pipeline/schedule.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import { inputGraph, MODELS, writeDurations } from "./spack-graph.js";
import { writeSyntheticInput } from "./synthetic-input.js";

type Doc = Record<string, unknown>;
const TREE = process.env["BENCH_TREE"] ?? REPO_ROOT;
const QUICK = process.env["BENCH_QUICK"] === "1";
const RUNNERS = [16, 200];

/** The written files as the simulation reads them, and the bytes per build job. */
async function writtenSchedule(out: string, minutes: (job: string) => number) {
  const trigger = load(await readFile(join(out, "spack_pipeline.yaml"), "utf8")) as Doc;
  const fileOf = new Map<string, string>();
  for (const [name, job] of Object.entries(trigger))
    if (isMapping(job) && isMapping(job["trigger"]))
      fileOf.set(
        name,
        (job["trigger"]["include"] as { artifact: string }[])[0]!.artifact.split("/").pop()!,
      );
  const bridgesNeeded = (name: string): string[] =>
    (((trigger[name] as Doc)["needs"] ?? []) as { job: string }[]).flatMap((n) =>
      fileOf.has(n.job)
        ? [n.job]
        : trigger[n.job] && n.job !== "collect artifacts"
          ? bridgesNeeded(n.job)
          : [],
    );
  const files: { bridge: string; jobs: { name: string; needs: string[] }[]; bytes: number }[] = [];
  for (const [bridge, file] of fileOf) {
    const text = await readFile(join(out, file), "utf8");
    const doc = load(text) as Doc;
    const jobs = Object.entries(doc)
      .filter(([name, body]) => isJobKey(name) && isMapping(body))
      .map(([name, body]) => ({ name, job: resolveExtends(doc, body as Doc) }))
      .filter(
        ({ job }) => isMapping(job["variables"]) && job["variables"]["SPACK_JOB_SPEC_DAG_HASH"],
      )
      .map(({ name, job }) => ({
        name,
        needs: ((job["needs"] ?? []) as { job: string; pipeline?: string }[])
          .filter((n) => n.pipeline === undefined)
          .map((n) => n.job),
      }));
    if (jobs.length > 0) files.push({ bridge, jobs, bytes: Buffer.byteLength(text) });
  }
  // Files after the files they wait for.
  const index = new Map(files.map((f, i) => [f.bridge, i]));
  const placed: number[] = [];
  const visit = (i: number, seen = new Set<number>()) => {
    if (placed.includes(i) || seen.has(i)) return;
    seen.add(i);
    for (const b of bridgesNeeded(files[i]!.bridge)) if (index.has(b)) visit(index.get(b)!, seen);
    placed.push(i);
  };
  files.forEach((_, i) => {
    visit(i);
  });
  const position = new Map(placed.map((i, p) => [i, p]));
  const scheduled: ScheduledFile[] = placed.map((i) => {
    const file = files[i]!;
    const local = new Map(file.jobs.map((j, k) => [j.name, k]));
    return {
      after: bridgesNeeded(file.bridge)
        .filter((b) => index.has(b))
        .map((b) => position.get(index.get(b)!)!),
      jobs: file.jobs.map((j) => ({
        minutes: minutes(j.name),
        needs: j.needs.map((n) => local.get(n)!),
      })),
    };
  });
  const jobCount = files.reduce((s, f) => s + f.jobs.length, 0);
  return {
    scheduled,
    files: files.length,
    bytesPerJob: files.reduce((s, f) => s + f.bytes, 0) / jobCount,
  };
}

const scenario = (names: string[]) => async (dir: string) => {
  for (const name of names) {
    await mkdir(join(dir, name), { recursive: true });
    await cp(
      join(SPACK_FIXTURES, "scenarios-v0.21", name, "pipeline.yml"),
      join(dir, name, "pipeline.yml"),
    );
  }
};
const REAL = ["tiny", "small", "medium", "medium-legacy", "large", "large-incremental"];
const cases: [string, (dir: string) => Promise<void>][] = [
  ["real: small", scenario(["small"])],
  ["real: medium", scenario(["medium"])],
  ["real: large", scenario(["large"])],
  ["real: all scenarios", scenario(REAL)],
  ["synthetic 1,000", (d) => writeSyntheticInput(d, 1_000)],
  ["synthetic 5,000", (d) => writeSyntheticInput(d, 5_000)],
  ...(QUICK
    ? []
    : [
        ["synthetic 20,000", (d: string) => writeSyntheticInput(d, 20_000)] as [
          string,
          (d: string) => Promise<void>,
        ],
      ]),
];

const work = await mkdtemp(join(tmpdir(), "spacktainers-schedule-"));
console.log(
  `scheduling benchmark (simulated GitLab; ${TREE === REPO_ROOT ? "this checkout" : TREE})`,
);
console.log(
  "case                 | model        |  jobs | files | bytes/job | critical path min | unlimited / CP | " +
    RUNNERS.map((n) => `${n} runners / bound`).join(" | "),
);
try {
  for (const [name, prepare] of cases) {
    const input = join(work, "in");
    await rm(input, { recursive: true, force: true });
    await prepare(input);
    const graph = await inputGraph(input);
    for (const [model, of] of Object.entries(MODELS)) {
      const minutes = (job: string) => of(graph.packages.get(job)!);
      const durations = join(work, "durations.yaml");
      await writeDurations(durations, graph, of);
      const out = join(work, "out");
      await rm(out, { recursive: true, force: true });
      const run = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(TREE, "job-creator/src/main.ts"),
          "process-spack-pipeline",
          ...[
            "-r",
            TREE,
            "-a",
            "amd64",
            "-d",
            input,
            "-o",
            out,
            "--artifacts-path",
            "spack.artifacts.amd64",
          ],
          ...(process.env["BENCH_NO_DURATIONS"] === "1" ? [] : ["--durations", durations]),
        ],
        { cwd: TREE, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      );
      if (run.status !== 0) throw new Error(`process-spack-pipeline failed: ${run.stderr}`);
      const { scheduled, files, bytesPerJob } = await writtenSchedule(out, minutes);
      const index = new Map(graph.order.map((n, i) => [n, i]));
      const cp = criticalPath(
        graph.order.map((n) => ({ minutes: minutes(n) })),
        graph.order.map((n) => graph.deps.get(n)!.map((d) => index.get(d)!)),
      );
      const total = graph.order.reduce((s, n) => s + minutes(n), 0);
      const cells = RUNNERS.map((n) =>
        (simulate(scheduled, n).makespan / Math.max(cp, total / n)).toFixed(2),
      );
      console.log(
        [
          name.padEnd(20),
          model.padEnd(12),
          String(graph.order.length).padStart(5),
          String(files).padStart(5),
          bytesPerJob.toFixed(0).padStart(9),
          cp.toFixed(0).padStart(17),
          (simulate(scheduled, Infinity).makespan / cp).toFixed(2).padStart(14),
          ...cells.map((c, i) => c.padStart(`${RUNNERS[i]} runners / bound`.length)),
        ].join(" | "),
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
