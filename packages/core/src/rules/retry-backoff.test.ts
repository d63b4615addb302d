import { describe, expect, it } from 'vitest';
import { backoffDelayMs, stepRetryDelayMs } from './retry-backoff.js';

const policy = { baseMs: 1_000, maxMs: 5_000 };

describe('backoffDelayMs', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [5, 5_000],
    [6, 5_000],
    [2_000, 5_000],
  ])('before attempt %i waits %i ms', (attempt, expected) => {
    expect(backoffDelayMs(attempt, policy)).toBe(expected);
  });

  it('never exceeds a cap below the base', () => {
    expect(backoffDelayMs(2, { baseMs: 1_000, maxMs: 300 })).toBe(300);
  });
});

describe('stepRetryDelayMs', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const t0 = Date.parse(at);

  it.each([
    ['a step that never ran starts at once', 0, t0, 0],
    ['after the first attempt: the base delay', 1, t0, 1_000],
    ['after the second: twice that', 2, t0, 2_000],
    ['part of the wait already passed', 2, t0 + 500, 1_500],
    ['handed back long ago: no wait', 2, t0 + 60_000, 0],
    ['many attempts: the cap', 10, t0, 5_000],
  ])('%s', (_name, attempts, now, expected) => {
    expect(stepRetryDelayMs({ attempts, updatedAt: at }, now, policy)).toBe(expected);
  });
});
