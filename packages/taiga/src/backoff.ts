/** How hard to try before giving up on Taiga. */
export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No retry starts once this much time has passed since the call began, waits included. */
  readonly maxTotalMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first retry): "full jitter", a uniform draw in
 * [0, min(maxDelay, base·2^(retry-1))), so that clients failing together do not retry together.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The wait before the next attempt, or null when the budget forbids one: no attempts left, or the wait (at least
 * what the server asked for) would end past `maxTotalMs` since the call began.
 */
export function nextRetryDelayMs(
  policy: RetryPolicy,
  state: { attempt: number; elapsedMs: number; retryAfterMs: number | null },
  random: () => number = Math.random,
): number | null {
  if (state.attempt >= policy.maxAttempts) return null;
  const delay = Math.max(backoffDelayMs(policy, state.attempt, random), state.retryAfterMs ?? 0);
  return state.elapsedMs + delay > policy.maxTotalMs ? null : delay;
}
