/** How often and how patiently to retry a transient failure. */
export interface RetryPolicy {
  readonly attempts: number;
  /** Delay before the second attempt; doubled for each further one. */
  readonly initialDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 500 };

/** Thrown by an attempt to say: this failure is worth another try. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, throws a non-transient error, or the attempts are
 * spent; then the last transient error is rethrown, with the count in `attempts`.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      last = error;
      if (n < policy.attempts)
        await sleep(policy.initialDelayMs * 2 ** (n - 1) * (0.75 + Math.random() / 2));
    }
  }
  throw last;
}
