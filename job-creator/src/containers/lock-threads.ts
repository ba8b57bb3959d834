import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { InputError, type Problem } from "../../../common/src/errors.js";
import { startModuleWorker } from "../../../common/src/module-worker.js";
import type { SizeLimit } from "../../../common/src/read-file.js";
import { loadLockFile, type ContainerLock } from "./lock-file.js";

/** What `loadLockFile` takes: where the file is, whose it is, how large it may be. */
export interface LockRequest {
  readonly path: string;
  readonly owner: { readonly container: string; readonly hint: string };
  readonly limit: SizeLimit;
}

type Answer = { readonly id: number } & (
  | { readonly lock: ContainerLock }
  | { readonly problems: readonly Problem[]; readonly message: string }
  | { readonly error: string }
);

/**
 * Threads that read lock files: decoding and parsing a lock file (300 KB for a large
 * environment) takes milliseconds of CPU, and an online run prepares its containers on the
 * same thread that sends its registry and bucket requests, so that parsing 200 lock files
 * there paced the whole run. Up to two threads, none on one core; they hold the process
 * open only while they have work.
 */
const MAX_THREADS = 2;

let pool: LockThreads | undefined;

/** The lock file, read on a lock thread where the machine has cores to spare. */
export function readLockFile(
  path: string,
  owner: LockRequest["owner"],
  limit: SizeLimit,
): Promise<ContainerLock> {
  const threads = Math.min(MAX_THREADS, availableParallelism() - 1);
  if (threads < 1) return loadLockFile(path, owner, limit);
  pool ??= new LockThreads(threads);
  return pool.read({ path, owner, limit });
}

class LockThreads {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (lock: ContainerLock) => void; reject: (error: Error) => void }
  >();
  private next = 0;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => {
      const worker = startModuleWorker(import.meta.url, "lock-worker");
      worker.unref();
      worker.on("message", (answer: Answer) => {
        this.settle(answer);
      });
      worker.on("error", (error) => {
        this.failAll(error);
      });
      worker.on("exit", (code) => {
        this.failAll(new Error(`a lock-file thread ended (exit ${code})`));
      });
      return worker;
    });
  }

  read(request: LockRequest): Promise<ContainerLock> {
    const id = this.next++;
    const answer = new Promise<ContainerLock>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    // While answers are awaited, the threads keep the process alive.
    if (this.pending.size === 1) for (const worker of this.workers) worker.ref();
    this.workers[id % this.workers.length]!.postMessage({ id, ...request });
    return answer;
  }

  private settle(answer: Answer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) for (const worker of this.workers) worker.unref();
    if ("lock" in answer) waiting.resolve(answer.lock);
    else if ("problems" in answer)
      waiting.reject(new InputError(answer.problems.length > 0 ? answer.problems : answer.message));
    else waiting.reject(new Error(`reading a lock file: ${answer.error}`));
  }

  /** A thread that failed takes the pool with it: the next read starts a new one. */
  private failAll(error: Error): void {
    if (pool === this) pool = undefined;
    for (const worker of this.workers) void worker.terminate();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of waiting) reject(error);
  }
}

/** The thread's side: answers each request with the lock file, or why it is none. */
export function answerLockRequests(port: {
  on(event: "message", listener: (request: LockRequest & { id: number }) => void): void;
  postMessage(answer: Answer, transfer?: readonly ArrayBuffer[]): void;
}): void {
  port.on("message", ({ id, path, owner, limit }) => {
    loadLockFile(path, owner, limit).then(
      (lock) => {
        // The bytes move to the asking thread rather than being copied, when they are a
        // buffer of their own (a large file's always are).
        const { buffer, byteOffset, byteLength } = lock.bytes;
        const own =
          buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength;
        port.postMessage({ id, lock }, own ? [buffer] : []);
      },
      (error: unknown) => {
        port.postMessage(
          error instanceof InputError
            ? { id, problems: error.problems, message: error.message }
            : { id, error: String(error) },
        );
      },
    );
  });
}
