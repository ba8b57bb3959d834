/** The entry of a thread that reads lock files for lock-threads.ts. */
import { parentPort } from "node:worker_threads";
import { answerLockRequests } from "./lock-threads.js";

if (!parentPort) throw new Error("lock-worker runs as a worker thread");
answerLockRequests(parentPort);
