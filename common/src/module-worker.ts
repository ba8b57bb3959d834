import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * A worker thread running the module `name` (without extension) beside `metaUrl`. From the
 * built package it is that `.js` file; from the sources (tests, `tsx`), the worker first
 * loads tsx, which the sources need.
 */
export function startModuleWorker(metaUrl: string, name: string): Worker {
  if (!metaUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, metaUrl));
  const source = new URL(`./${name}.ts`, metaUrl).href;
  const tsx = createRequire(metaUrl).resolve("tsx/package.json");
  const api = pathToFileURL(join(dirname(tsx), "dist/esm/api/index.mjs")).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    { eval: true },
  );
}
