import { noAnswerWithin, retryDelayWithin, type HttpPolicy } from "../http.js";

/** What the SDK's retry middleware tells a strategy about a failed attempt (@smithy/types). */
interface FailedAttempt {
  readonly errorType: "TRANSIENT" | "THROTTLING" | "SERVER_ERROR" | "CLIENT_ERROR";
  readonly error?: unknown;
  /** From the answer's `Retry-After`, when it had one. */
  readonly retryAfterHint?: Date;
}

/** One SDK request's retries so far: the middleware hands it back after each failure. */
class Attempts {
  constructor(
    readonly startedAt: number,
    private readonly retries: number,
    private readonly delayMs: number,
  ) {}
  getRetryCount(): number {
    return this.retries;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
}

/** How long an SDK request was retried before the budget ran out. */
export interface GaveUp {
  readonly attempts: number;
  readonly spentMs: number;
  readonly budgetMs: number;
}

/**
 * The SDK's retries under the same policy as every other client here: timeouts, dropped
 * connections, throttling (429, SlowDown) and 5xx are retried with backoff, or after what
 * `Retry-After` asks, until the retry budget is spent, however many attempts that takes. The
 * SDK's own strategy gave up after 6 attempts (14 s of SlowDown, measured) and shares a quota
 * of retries across requests, so that a minute of throttling failed a whole run.
 */
export class BudgetedRetries {
  /** The errors this strategy stopped retrying, for the message that reports them. */
  private readonly stopped = new WeakMap<object, GaveUp>();

  constructor(
    private readonly policy: HttpPolicy,
    /** The bucket, as retry notes name it. */
    private readonly target: string,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  acquireInitialRetryToken(): Promise<Attempts> {
    return Promise.resolve(new Attempts(this.now(), 0, 0));
  }

  refreshRetryTokenForRetry(token: Attempts, failed: FailedAttempt): Promise<Attempts> {
    // CLIENT_ERROR is a refusal (403, 404, a bad request) and SERVER_ERROR a 5xx the SDK
    // does not count as passing (501): no retry helps.
    if (failed.errorType === "CLIENT_ERROR" || failed.errorType === "SERVER_ERROR")
      return Promise.reject(new Error("not retried"));
    const now = this.now();
    const attempts = token.getRetryCount() + 1;
    const asked = failed.retryAfterHint && Math.max(0, failed.retryAfterHint.getTime() - now);
    const spentMs = now - token.startedAt;
    const delay = retryDelayWithin(this.policy, attempts, spentMs, asked, this.random);
    if (delay === undefined) {
      if (typeof failed.error === "object" && failed.error !== null)
        this.stopped.set(failed.error, { attempts, spentMs, budgetMs: this.policy.budgetMs });
      return Promise.reject(new Error("retry budget spent"));
    }
    this.policy.onRetry?.({
      target: this.target,
      reason: reasonOf(failed.error, this.policy.timeoutMs),
      attempt: attempts + 1,
      delayMs: delay,
      budgetMs: this.policy.budgetMs,
    });
    return Promise.resolve(new Attempts(token.startedAt, attempts, delay));
  }

  recordSuccess(): void {}

  /** How long `error` was retried, when it failed because the budget ran out. */
  gaveUpOn(error: unknown): GaveUp | undefined {
    return typeof error === "object" && error !== null ? this.stopped.get(error) : undefined;
  }
}

/**
 * A failed attempt in a few words, as the HTTP clients say it: its status and S3's code, no
 * answer within the timeout, else the network error's code.
 */
function reasonOf(error: unknown, timeoutMs: number): string {
  const failure = error as
    { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = failure?.$metadata?.httpStatusCode;
  if (status) return `HTTP ${status} ${failure.name ?? ""}`.trimEnd();
  if (failure?.code === "ETIMEDOUT" || failure?.name === "TimeoutError")
    return noAnswerWithin(timeoutMs);
  return failure?.code ?? failure?.name ?? "failed";
}
