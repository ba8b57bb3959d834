import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, Worker, type WorkerOptions } from "node:worker_threads";

/* Work handed to worker threads: files parsed side by side (process-spack-pipeline). */

/**
 * Starts the module at `url` in a worker thread. A TypeScript module (the sources run
 * through tsx or vitest, whose hooks a worker does not inherit) is loaded through tsx's
 * API, found from here; the built package starts its JavaScript directly, without tsx.
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const tsx = createRequire(import.meta.url).resolve("tsx/package.json");
  const api = pathToFileURL(join(dirname(tsx), "dist/esm/api/index.mjs")).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
    { ...options, eval: true },
  );
}

/** The module of a worker beside `base` (an `import.meta.url`): `.ts` in the sources, `.js` built. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}

/** An error as it crosses threads: its message and, from the file system, its code. */
interface SentError {
  readonly message: string;
  readonly code?: string;
}

interface Resolvers<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

type Envelope<Answer> = { readonly id: number } & (
  { readonly answer: Answer } | { readonly error: SentError }
);

/**
 * Worker threads running the same module, each request answered by one of them in turn.
 * The threads hold the process open only while an answer is awaited; a thread that fails
 * or ends fails every request waiting and every later one.
 */
export class WorkerPool<Request, Answer> {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, Resolvers<Answer>>();
  #asked = 0;
  #failure: Error | undefined;
  #closed = false;

  constructor(module: URL, size: number) {
    this.#workers = Array.from({ length: Math.max(1, size) }, () => startWorker(module));
    for (const worker of this.#workers) {
      worker.unref();
      worker.on("message", (envelope: Envelope<Answer>) => {
        this.#settle(envelope);
      });
      worker.on("error", (error) => {
        this.#fail(error);
      });
      worker.on("exit", (code) => {
        if (!this.#closed) this.#fail(new Error(`a worker thread ended (exit ${code})`));
      });
    }
  }

  ask(request: Request): Promise<Answer> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#asked++;
    const answer = new Promise<Answer>((resolve, reject) => {
      if (this.#waiting.size === 0) for (const worker of this.#workers) worker.ref();
      this.#waiting.set(id, { resolve, reject });
    });
    this.#workers[id % this.#workers.length]!.postMessage({ id, request });
    return answer;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #settle(envelope: Envelope<Answer>): void {
    const waiting = this.#waiting.get(envelope.id);
    if (!waiting) return;
    this.#waiting.delete(envelope.id);
    if (this.#waiting.size === 0) for (const worker of this.#workers) worker.unref();
    if ("answer" in envelope) waiting.resolve(envelope.answer);
    else waiting.reject(receivedError(envelope.error));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}

/** The worker's side: answers each request of the pool with `handle`'s result. */
export function serveRequests(
  // Its request is whatever the pool's `ask` sends (`never`: any handler fits).
  handle: (request: never) => unknown,
): void {
  const port = parentPort;
  if (!port) throw new Error("this module runs as a worker thread");
  port.on("message", ({ id, request }: { id: number; request: never }) => {
    void (async () => {
      try {
        port.postMessage({ id, answer: await handle(request) });
      } catch (error) {
        port.postMessage({ id, error: sentError(error) });
      }
    })();
  });
}

function sentError(error: unknown): SentError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { message, ...(typeof code === "string" ? { code } : {}) };
}

function receivedError(sent: SentError): Error {
  return Object.assign(new Error(sent.message), sent.code ? { code: sent.code } : {});
}
