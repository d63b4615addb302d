import { describe, expect, it } from 'vitest';
import { emptyAccount, modelPrice, priceTokens, withEstimatedCost } from './engine-account.js';

const price = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 };
const tokens = { input: 6650, output: 52, cachedInput: 2000, cacheWrite: 2000 };

describe('priceTokens', () => {
  it('prices uncached input, cache reads, cache writes and output apart', () => {
    // Claude Code's own figure for these tokens at claude-sonnet-4-5's list prices (fixtures/claude-code/success).
    expect(priceTokens(price, tokens)).toBeCloseTo(0.01683, 12);
  });

  it('prices cached input at the input price when the table has no cache prices', () => {
    expect(priceTokens({ inputPerMTok: 2, outputPerMTok: 8 }, tokens)).toBeCloseTo(
      (6650 * 2 + 52 * 8) / 1e6,
      12,
    );
  });
});

describe('modelPrice', () => {
  const prices = { 'claude-sonnet-4-5': price };
  it.each([
    ['claude-sonnet-4-5', price],
    ['anthropic/claude-sonnet-4-5', price],
    ['claude-opus-4-1', null],
    [null, null],
  ])('%s', (model, expected) => expect(modelPrice(prices, model)).toEqual(expected));

  it('knows nothing without a table', () => expect(modelPrice(undefined, 'claude-sonnet-4-5')).toBeNull());
});

describe('withEstimatedCost', () => {
  const prices = { m: { inputPerMTok: 1, outputPerMTok: 1 } };
  it('prices an account of a known model', () => {
    expect(withEstimatedCost({ ...emptyAccount('m'), tokens }, prices)).toMatchObject({
      costUsd: (6650 + 52) / 1e6,
      costSource: 'price_table',
    });
  });

  it('never replaces a reported cost', () => {
    const reported = { ...emptyAccount('m'), tokens, costUsd: 1.5, costSource: 'reported' as const };
    expect(withEstimatedCost(reported, prices)).toBe(reported);
  });

  it('leaves an unknown model unpriced', () => {
    expect(withEstimatedCost({ ...emptyAccount('other'), tokens }, prices).costUsd).toBeNull();
  });
});
