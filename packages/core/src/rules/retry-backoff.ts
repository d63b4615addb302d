import type { StepRun } from '../contracts/step-run.js';

/** Exponential backoff with a cap: the first retry waits `baseMs`, each later one twice as long, never more than `maxMs`. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * How long to wait before attempt `attempt` (1-based): nothing before the first, `baseMs` before the second, then
 * doubling up to `maxMs`.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number {
  if (attempt <= 1) return 0;
  // 2 ** n is Infinity for a large n; Math.min keeps the cap, so no attempt count can overflow the delay.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 2));
}

/**
 * How long a pending step still has to wait before its next attempt starts, at `now` (epoch ms). A step that never
 * ran starts at once; one that did waits the backoff of its next attempt, counted from when it went back to
 * `pending` (its `updatedAt`). The wait is derived from the stored step alone, so every advance job that enqueues
 * the attempt computes the same moment, and a step resumed long after it was handed back does not wait again.
 */
export function stepRetryDelayMs(
  step: Pick<StepRun, 'attempts' | 'updatedAt'>,
  now: number,
  policy: BackoffPolicy,
): number {
  if (step.attempts === 0) return 0;
  const due = Date.parse(step.updatedAt) + backoffDelayMs(step.attempts + 1, policy);
  return Math.max(0, due - now);
}
