import { availableParallelism } from "node:os";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SizeLimit } from "../../../common/src/read-file.js";
import { readSpackOutput, type ReadResult } from "./read.js";

/** How the spack outputs are read: how many worker threads, from how many bytes on. */
export interface ParallelReading {
  /**
   * Worker threads; default: one per core, at most 4, none on one core. The command's own
   * thread mostly waits for them (merging a file takes a tenth of parsing it).
   */
  readonly workers?: number;
  /** Below this many bytes in all, the files are read on the command's own thread. */
  readonly minBytes?: number;
  /** Told how many worker threads read the files (0: the command's own thread). */
  readonly onThreads?: (count: number) => void;
}

/** Starting a worker costs some 50 ms; parsing 8 MB of YAML takes several hundred. */
const MIN_PARALLEL_BYTES = 8_000_000;
const MAX_WORKERS = 4;

interface Request {
  readonly id: number;
  readonly path: string;
  readonly container: string;
  readonly limit: SizeLimit;
}
type Answer = { readonly id: number } & ({ result: ReadResult } | { error: string });

/**
 * Each file's result, in file order. Parsing is most of the time `process-spack-pipeline`
 * takes on a large input, and files parse independently: on worker threads they parse side
 * by side while the command merges those already read. A worker's strings are its own, so
 * the results it sends hold nothing of a file's text. Each worker has at most two files
 * asked of it, so the results waiting to be merged stay few.
 */
export async function* readEach(
  files: readonly { readonly path: string; readonly container: string }[],
  limit: SizeLimit,
  parallel: ParallelReading,
): AsyncGenerator<ReadResult> {
  const cores = availableParallelism();
  const workers = Math.min(
    parallel.workers ?? (cores > 1 ? Math.min(MAX_WORKERS, cores) : 0),
    files.length,
  );
  if (workers < 1 || (await totalBytes(files)) < (parallel.minBytes ?? MIN_PARALLEL_BYTES)) {
    parallel.onThreads?.(0);
    for (const { path, container } of files) yield await readSpackOutput(path, container, limit);
    return;
  }
  const pool = Array.from({ length: workers }, startWorker);
  parallel.onThreads?.(workers);
  const answers = new Map<number, (answer: Answer) => void>();
  const failed = new Promise<never>((_, reject) => {
    for (const worker of pool) {
      worker.on("message", (answer: Answer) => answers.get(answer.id)?.(answer));
      worker.on("error", reject);
      worker.on("exit", (code) => {
        reject(new Error(`a reading thread ended (exit ${code})`));
      });
    }
  });
  failed.catch(() => undefined); // raced below; unobserved once every file is read
  const asked = files.map((file, id) => {
    let answered!: (answer: Answer) => void;
    const answer = new Promise<Answer>((resolve) => (answered = resolve));
    answers.set(id, answered);
    return { ...file, id, answer };
  });
  const ask = (id: number) => {
    const file = asked[id];
    if (file) {
      const request: Request = { id, path: file.path, container: file.container, limit };
      pool[id % workers]!.postMessage(request);
    }
  };
  try {
    for (let id = 0; id < 2 * workers; id++) ask(id);
    for (const file of asked) {
      const answer = await Promise.race([file.answer, failed]);
      answers.delete(file.id);
      ask(file.id + 2 * workers);
      if ("error" in answer) throw new Error(`reading ${file.path}: ${answer.error}`);
      yield answer.result;
    }
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}

async function totalBytes(files: readonly { readonly path: string }[]): Promise<number> {
  const sizes = await Promise.all(
    files.map((f) =>
      stat(f.path).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * A worker running read-worker. From the built package it is that file; from the sources
 * (tests, `tsx`), the worker first loads tsx, which the sources need.
 */
function startWorker(): Worker {
  const built = new URL("./read-worker.js", import.meta.url);
  if (!import.meta.url.endsWith(".ts")) return new Worker(built);
  const source = new URL("./read-worker.ts", import.meta.url).href;
  const tsx = createRequire(import.meta.url).resolve("tsx/package.json");
  const api = pathToFileURL(join(dirname(tsx), "dist/esm/api/index.mjs")).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    { eval: true },
  );
}

/** The worker's side: answers each request with the file's result. */
export function answerRequests(port: {
  on(event: "message", listener: (request: Request) => void): void;
  postMessage(answer: Answer): void;
}): void {
  port.on("message", (request) => {
    readSpackOutput(request.path, request.container, request.limit).then(
      (result) => {
        port.postMessage({ id: request.id, result });
      },
      (error: unknown) => {
        port.postMessage({ id: request.id, error: String(error) });
      },
    );
  });
}
