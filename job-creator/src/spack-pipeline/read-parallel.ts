import { availableParallelism } from "node:os";
import { stat } from "node:fs/promises";
import type { SizeLimit } from "../../../common/src/read-file.js";
import { serveRequests, siblingModule, WorkerPool } from "../../../common/src/worker-pool.js";
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
  readonly path: string;
  readonly container: string;
  readonly limit: SizeLimit;
}

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
    for (const { path, container } of files) yield readSpackOutput(path, container, limit);
    return;
  }
  const pool = new WorkerPool<Request, ReadResult>(
    siblingModule("read-worker", import.meta.url),
    workers,
  );
  parallel.onThreads?.(workers);
  const answers = new Map<number, Promise<ReadResult>>();
  const ask = (id: number) => {
    const file = files[id];
    if (!file) return;
    const answer = pool.ask({ path: file.path, container: file.container, limit });
    answer.catch(() => undefined); // awaited in file order; unobserved once one fails
    answers.set(id, answer);
  };
  try {
    for (let id = 0; id < 2 * workers; id++) ask(id);
    for (const [id, file] of files.entries()) {
      const answer = answers.get(id)!;
      answers.delete(id);
      ask(id + 2 * workers);
      yield await answer.catch((error: unknown) => {
        throw new Error(`reading ${file.path}: ${(error as Error).message}`, { cause: error });
      });
    }
  } finally {
    await pool.close();
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

/** The worker's side (read-worker.ts): each request answered with the file's result. */
export function answerRequests(): void {
  serveRequests((request: Request) =>
    readSpackOutput(request.path, request.container, request.limit),
  );
}
