import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextRetryDelayMs, parseRetryAfterMs, type RetryPolicy } from './backoff.js';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalMs: 5_000 };
const top = () => 0.999999;

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    [1, 99],
    [2, 199],
    [3, 399],
    [4, 799],
    [5, 999],
    [12, 999],
  ])('retry %i waits below min(max, base·2^(n-1)): %i at the top of the draw', (retry, expected) => {
    expect(backoffDelayMs(policy, retry, top)).toBe(expected);
  });

  it('draws from zero', () => {
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(200);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  it.each([
    ['2', 2_000],
    [' 0 ', 0],
    ['1.5', 1_500],
    ['Mon, 23 Nov 2026 10:00:30 GMT', 30_000],
    ['Mon, 23 Nov 2026 09:59:00 GMT', 0],
  ])('%j → %i ms', (header, ms) => {
    expect(parseRetryAfterMs(header, now)).toBe(ms);
  });

  it.each([null, '', 'soon'])('%j → null', (header) => {
    expect(parseRetryAfterMs(header, now)).toBeNull();
  });
});

describe('nextRetryDelayMs', () => {
  it('stops when the attempts are spent', () => {
    expect(nextRetryDelayMs(policy, { attempt: 5, elapsedMs: 0, retryAfterMs: null }, top)).toBeNull();
    expect(nextRetryDelayMs(policy, { attempt: 4, elapsedMs: 0, retryAfterMs: null }, top)).toBe(799);
  });

  it('waits at least what the server asked', () => {
    expect(nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 0, retryAfterMs: 3_000 }, top)).toBe(3_000);
  });

  it('stops when the wait would end past the total budget', () => {
    expect(nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 4_000, retryAfterMs: 1_001 }, top)).toBeNull();
    expect(nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 4_000, retryAfterMs: 1_000 }, top)).toBe(1_000);
  });
});
