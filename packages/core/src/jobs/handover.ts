/**
 * The longest a job whose worker died (kill -9, a lost host) waits before another worker can take it.
 *
 * BullMQ's stalled check, run every `stalledIntervalMs` by one of the workers, moves back to waiting the active
 * jobs it had already marked at the previous check and whose lock has expired; a live worker renews its locks
 * every half lock and unmarks them. A worker that dies at t leaves a lock that expires by t + lock; the first check
 * after t marks the job (by t + interval), and the first check that finds it marked and unlocked moves it: by
 * t + max(2 × interval, lock + interval).
 */
export function jobHandoverBoundMs(settings: { lockMs: number; stalledIntervalMs: number }): number {
  return Math.max(2 * settings.stalledIntervalMs, settings.lockMs + settings.stalledIntervalMs);
}
