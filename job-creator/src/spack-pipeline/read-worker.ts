/** The entry of a thread that reads spack outputs for read-parallel.ts. */
import { parentPort } from "node:worker_threads";
import { answerRequests } from "./read-parallel.js";

if (!parentPort) throw new Error("read-worker runs as a worker thread");
answerRequests(parentPort);
