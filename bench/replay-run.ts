/**
 * The online-workflow benchmark's reference, in a process of its own: sends again, to the
 * same servers, every request a `jc` run sent (its log from latency-servers.ts), each as
 * soon as what it waits for has answered (replay-plan.ts), at most `concurrency` at once,
 * and does nothing else: no reading, deciding or writing. Arguments: the log's file, the
 * limit. Prints `BENCH_REPLAY <seconds>`; fails when an answer's status differs from the
 * run's (then it did not do the same work).
 */
import { Agent, request } from "node:http";
import { readFileSync } from "node:fs";
import pLimit from "p-limit";
import { replayPlan, type RecordedRequest } from "./replay-plan.js";

const log = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as RecordedRequest[];
const limit = pLimit(Number(process.argv[3]));
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Sends one request (the log keeps no bodies) and reads its answer whole; resolves with its status. */
const send = ({ method, path, headers }: RecordedRequest) =>
  new Promise<number>((resolve, reject) => {
    if (Number(headers["content-length"] ?? 0) > 0 || headers["transfer-encoding"])
      throw new Error(`${method} ${path} had a body, which the log does not keep`);
    const { connection: _, ...kept } = headers;
    const sent = request(`http://${headers["host"]}${path}`, { method, headers: kept, agent });
    sent.on("response", (answer) => {
      answer.on("end", () => {
        resolve(answer.statusCode ?? 0);
      });
      answer.resume();
      answer.on("error", reject);
    });
    sent.on("error", reject).end();
  });

const steps = replayPlan(log);
const started = performance.now();
const answered: Promise<number>[] = [];
for (const { request: recorded, after } of steps)
  answered.push(
    Promise.all(after.map((i) => answered[i]!)).then(() => limit(() => send(recorded))),
  );
const statuses = await Promise.all(answered);
const seconds = (performance.now() - started) / 1000;
const differing = steps.filter(({ request: recorded }, i) => recorded.status !== statuses[i]);
if (differing.length > 0) {
  const { method, path, status } = differing[0]!.request;
  throw new Error(
    `${differing.length} answers differ from the run's, the first ${method} ${path}: ${status} then, ${statuses[steps.indexOf(differing[0]!)]} now`,
  );
}
console.log(`BENCH_REPLAY ${seconds}`);
agent.destroy();
