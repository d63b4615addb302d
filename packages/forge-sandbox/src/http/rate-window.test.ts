import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window.js';

describe('RateWindow', () => {
  it('allows the limit per key and window, then refuses until the window resets', () => {
    const window = new RateWindow(2, 60);
    const start = 1_000_000;
    expect(window.take('a', start)).toEqual({ allowed: true, remaining: 1, reset: 1060 });
    expect(window.take('a', start + 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(window.take('a', start + 2)).toMatchObject({ allowed: false, remaining: 0, reset: 1060 });
    expect(window.take('b', start + 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(window.take('a', 1_060_000)).toMatchObject({ allowed: true, remaining: 1, reset: 1120 });
  });
});
