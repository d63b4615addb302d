/** How hard a client tries before it gives up on a call. */
export interface ForgeRetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** No retry starts once its wait would end this long after the call began. */
  maxTotalMs: number;
  /** Each HTTP request's own time limit. */
  timeoutMs: number;
}

export const defaultRetryPolicy: ForgeRetryPolicy = { maxAttempts: 4, maxTotalMs: 60_000, timeoutMs: 30_000 };

/** Whether a retry after `waitMs` still fits the budget of a call that began at `startedAt`. */
export function withinBudget(
  policy: ForgeRetryPolicy,
  attempt: number,
  startedAt: number,
  waitMs: number,
  now = Date.now(),
): boolean {
  return attempt < policy.maxAttempts && now - startedAt + waitMs <= policy.maxTotalMs;
}
