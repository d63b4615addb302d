import { describe, expect, it } from 'vitest';
import { formatTokens, runSpend, spendSentence } from './spend-text.js';

describe('spending in words', () => {
  it.each([
    [999, '999'],
    [12_345, '12.3k'],
    [2_000, '2k'],
    [1_250_000, '1.3M'],
  ])('%d tokens read %s', (count, text) => expect(formatTokens(count)).toBe(text));

  it('says what was spent and with which model', () => {
    expect(spendSentence({ costUsd: 0.42, tokensIn: 12_300, tokensOut: 3_400 }, 'claude-sonnet-4-5')).toBe(
      'Spent $0.42 (12.3k tokens in, 3.4k out) with claude-sonnet-4-5.',
    );
  });

  it('sums a run’s steps, or says nothing when none reported', () => {
    const step = (spend: { costUsd: number; tokensIn: number; tokensOut: number } | null) =>
      ({ spend }) as Parameters<typeof runSpend>[0][number];
    expect(runSpend([step(null)])).toBeNull();
    expect(
      runSpend([
        step({ costUsd: 1, tokensIn: 10, tokensOut: 1 }),
        step(null),
        step({ costUsd: 0.5, tokensIn: 5, tokensOut: 2 }),
      ]),
    ).toEqual({
      costUsd: 1.5,
      tokensIn: 15,
      tokensOut: 3,
    });
  });
});
