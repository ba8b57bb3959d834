/**
 * The floor for process-spack-pipeline: the fastest YAML library here (js-yaml) parsing the
 * same input and writing the same output, nothing else. Run as its own process so wall
 * time and peak RSS compare with ours. Usage: yaml-floor <input dir> <output dir of ours> <scratch dir>
 */
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { listSpackOutputs } from "../job-creator/src/spack-pipeline/read.js";

const [inputDir, oursDir, scratch] = process.argv.slice(2) as [string, string, string];
// Our output, as objects, prepared before the clock starts: the floor writes the same data.
const outputs: [string, unknown][] = [];
for (const name of (await readdir(oursDir)).filter((n) => n.endsWith(".yaml")).sort())
  outputs.push([name, load(await readFile(join(oursDir, name), "utf8"))]);
await mkdir(scratch, { recursive: true });

const start = performance.now();
for (const { path } of await listSpackOutputs(inputDir)) load(await readFile(path, "utf8"));
for (const [name, doc] of outputs)
  await writeFile(join(scratch, name), dump(doc, { lineWidth: -1, noRefs: true }));
process.stdout.write(`BENCH_FLOOR_MS ${(performance.now() - start).toFixed(0)}\n`);
