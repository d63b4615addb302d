import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { tokensEqual } from './token-hash.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('tokensEqual', () => {
  it('compares in constant time: timingSafeEqual over two 32-byte digests, whatever the lengths given', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const expected = 'admin-token-0123456789abcdef';
    for (const given of [expected, 'x', `${expected}x`, '', 'a'.repeat(10_000)]) {
      compare.mockClear();
      expect(tokensEqual(given, expected)).toBe(given === expected);
      expect(compare).toHaveBeenCalledOnce();
      const [a, b] = compare.mock.calls[0]!;
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    }
  });
});
