/**
 * `npm run bench`: process-spack-pipeline on synthetic Spack v0.21-shaped outputs of 1,000,
 * 5,000 and 20,000 unique jobs and on the largest real fixture, each against the floor
 * measured in the same run (js-yaml parsing the same input and writing the same output).
 * Prints wall time, peak RSS and ratios. Targets: within 1.5x of the floor at 20,000 jobs,
 * linear in size, peak RSS under 600 MB. Without durations every build counts alike and the
 * dependency levels are taken at once; the case "with durations" gives the heavy-tailed
 * model of the scheduling benchmark, so that the planner's contest of splits is measured too.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, SPACK_FIXTURES } from "../test/helpers/paths.js";
import { inputGraph, MODELS, writeDurations } from "./spack-graph.js";
import { writeSyntheticInput } from "./synthetic-input.js";

interface Measure {
  ms: number;
  rssMb: number;
  stdout: string;
}

function measure(script: string, args: string[]): Measure {
  const result = spawnSync(
    process.execPath,
    [
      "--require",
      join(REPO_ROOT, "bench/report-rss.cjs"),
      "--import",
      "tsx",
      join(REPO_ROOT, script),
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  const ms = Number(/BENCH_(?:FLOOR_)?MS (\d+)/.exec(result.stdout)?.[1]);
  const rssKb = Number(/BENCH_MAX_RSS_KB (\d+)/.exec(result.stderr)?.[1]);
  return { ms, rssMb: rssKb / 1024, stdout: result.stdout };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const QUICK = process.env["BENCH_QUICK"] === "1";
const work = await mkdtemp(join(tmpdir(), "spacktainers-bench-"));
interface Case {
  readonly name: string;
  readonly jobs: number;
  readonly prepare: (dir: string) => Promise<void>;
  readonly durations?: boolean;
}
const synthetic20k = (d: string) => writeSyntheticInput(d, 20_000);
const cases: Case[] = [
  { name: "synthetic 1,000", jobs: 1_000, prepare: (d) => writeSyntheticInput(d, 1_000) },
  { name: "synthetic 5,000", jobs: 5_000, prepare: (d) => writeSyntheticInput(d, 5_000) },
  // BENCH_QUICK (npm run bench:quick) leaves out the largest case.
  ...(QUICK
    ? []
    : [
        { name: "synthetic 20,000", jobs: 20_000, prepare: synthetic20k },
        {
          name: "synthetic 20,000, durations",
          jobs: 20_000,
          prepare: synthetic20k,
          durations: true,
        },
      ]),
  {
    name: "real: scenarios-v0.21/large",
    jobs: 313,
    prepare: async (d) => {
      await mkdir(join(d, "large"), { recursive: true });
      await cp(
        join(SPACK_FIXTURES, "scenarios-v0.21/large/pipeline.yml"),
        join(d, "large/pipeline.yml"),
      );
    },
  },
];

console.log(
  "process-spack-pipeline benchmark (each run in its own process; times exclude Node start-up)",
);
console.log(
  "case                         | input MB | jobs in -> out | ours ms | floor ms | ratio | ms/MB in | ours RSS MB | floor RSS MB | files | biggest KB",
);
try {
  for (const [n, c] of cases.entries()) {
    const input = join(work, `${n}-in`);
    const output = join(work, `${n}-out`);
    await c.prepare(input);
    const inputBytes = await folderBytes(input);
    const durations = join(work, "durations.yaml");
    if (c.durations)
      await writeDurations(durations, await inputGraph(input), MODELS["heavy-tailed"]!);
    const ours = measure("bench/process-child.ts", [
      input,
      output,
      ...(c.durations ? [durations] : []),
    ]);
    const floor = measure("bench/yaml-floor.ts", [input, output, join(work, `${n}-floor`)]);
    const summary =
      /jobs in: (\d+), jobs out: (\d+), .*child pipelines: (\d+), biggest file: (\d+) bytes/.exec(
        ours.stdout,
      )!;
    console.log(
      [
        c.name.padEnd(28),
        (inputBytes / 1e6).toFixed(1).padStart(8),
        `${summary[1]} -> ${summary[2]}`.padStart(14),
        String(ours.ms).padStart(7),
        String(floor.ms).padStart(8),
        (ours.ms / floor.ms).toFixed(2).padStart(5),
        (ours.ms / (inputBytes / 1e6)).toFixed(0).padStart(8),
        ours.rssMb.toFixed(0).padStart(11),
        floor.rssMb.toFixed(0).padStart(12),
        summary[3]!.padStart(5),
        (Number(summary[4]) / 1024).toFixed(0).padStart(10),
      ].join(" | "),
    );
    await rm(input, { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
