/** A worker for worker-pool.test.ts: answers with the request, fails or ends on demand. */
import { serveRequests } from "../../common/src/worker-pool.js";

serveRequests(async (request: { value: number; fail?: "throw" | "exit" }) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (request.fail === "exit") process.exit(3);
  if (request.fail === "throw")
    throw Object.assign(new Error(`refused ${request.value}`), { code: "EREFUSED" });
  return { value: request.value, thread: (await import("node:worker_threads")).threadId };
});
