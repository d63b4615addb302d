import { describe, expect, it } from 'vitest';
import { percentile, percentiles } from './percentile.js';

describe('percentile', () => {
  it.each([
    [[], 50, null],
    [[5], 95, 5],
    [[1, 2, 3, 4], 50, 2.5],
    [[4, 1, 3, 2], 0, 1],
    [[4, 1, 3, 2], 100, 4],
    [[10, 20, 30, 40, 50], 85, 44],
  ])('of %j at p%d is %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('gives p50, p85 and p95 to a tenth', () => {
    expect(percentiles([1, 2, 3])).toEqual({ p50: 2, p85: 2.7, p95: 2.9 });
  });
});
