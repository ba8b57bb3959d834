import { describe, expect, it } from "vitest";
import { WorkerPool } from "./worker-pool.js";

type Request = { value: number; fail?: "throw" | "exit" };
type Answer = { value: number; thread: number };
const ECHO = new URL("../../test/helpers/echo-worker.ts", import.meta.url);

describe("WorkerPool", () => {
  it("answers each request, the threads taking them in turn", async () => {
    const pool = new WorkerPool<Request, Answer>(ECHO, 2);
    try {
      const answers = await Promise.all([1, 2, 3, 4].map((value) => pool.ask({ value })));
      expect(answers.map((a) => a.value)).toEqual([1, 2, 3, 4]);
      expect(new Set(answers.map((a) => a.thread)).size).toBe(2);
      expect(answers[0]!.thread).toBe(answers[2]!.thread);
    } finally {
      await pool.close();
    }
  });

  it("rejects the request whose handler threw, with its message and code, and goes on", async () => {
    const pool = new WorkerPool<Request, Answer>(ECHO, 1);
    try {
      const [refused, next] = await Promise.allSettled([
        pool.ask({ value: 7, fail: "throw" }),
        pool.ask({ value: 8 }),
      ]);
      expect((refused as PromiseRejectedResult).reason).toMatchObject({
        message: "refused 7",
        code: "EREFUSED",
      });
      expect(next).toMatchObject({ status: "fulfilled", value: { value: 8 } });
    } finally {
      await pool.close();
    }
  });

  it("fails what waits and what comes later once a thread ends", async () => {
    const pool = new WorkerPool<Request, Answer>(ECHO, 1);
    try {
      const waiting = [pool.ask({ value: 1, fail: "exit" }), pool.ask({ value: 2 })];
      for (const result of await Promise.allSettled(waiting))
        expect(result).toMatchObject({
          status: "rejected",
          reason: { message: "a worker thread ended (exit 3)" },
        });
      await expect(pool.ask({ value: 3 })).rejects.toThrow("a worker thread ended (exit 3)");
    } finally {
      await pool.close();
    }
  });
});
