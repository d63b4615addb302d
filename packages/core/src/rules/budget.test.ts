import { describe, expect, it } from 'vitest';
import {
  budgetBlockedReason,
  budgetBreach,
  budgetExceededReason,
  formatUsd,
  type Spent,
  spendDay,
} from './budget.js';

const spent = (over: Partial<Spent> = {}): Spent => ({
  stepCostUsd: 0,
  runCostUsd: 0,
  runTokens: 0,
  dayCostUsd: 0,
  ...over,
});

describe('budgetBreach', () => {
  it('finds nothing without budgets or below every limit', () => {
    expect(budgetBreach(spent({ runCostUsd: 100 }), undefined, 'before_start')).toBeNull();
    expect(budgetBreach(spent({ runCostUsd: 4.99 }), { maxCostUsdPerRun: 5 }, 'before_start')).toBeNull();
  });

  it.each([
    ['before_start', 5, 'run'],
    ['while_running', 5, null],
    ['while_running', 5.01, 'run'],
  ] as const)('%s at $%d of $5 per run: %s', (when, cost, scope) => {
    expect(budgetBreach(spent({ runCostUsd: cost }), { maxCostUsdPerRun: 5 }, when)?.scope ?? null).toBe(
      scope,
    );
  });

  it('reports the narrowest limit first', () => {
    const breach = budgetBreach(
      spent({ stepCostUsd: 2, runCostUsd: 6, runTokens: 10, dayCostUsd: 60 }),
      { maxCostUsdPerStep: 1, maxCostUsdPerRun: 5, maxCostUsdPerDay: 50, maxTokensPerRun: 5 },
      'before_start',
    );
    expect(breach).toEqual({ scope: 'step', spent: 2, limit: 1, setting: 'maxCostUsdPerStep' });
  });

  it.each([
    [{ runTokens: 1200 }, { maxTokensPerRun: 1000 }, 'run_tokens'],
    [{ dayCostUsd: 50 }, { maxCostUsdPerDay: 50 }, 'day'],
  ] as const)('%j against %j: %s', (over, budgets, scope) => {
    expect(budgetBreach(spent(over), budgets, 'before_start')?.scope).toBe(scope);
  });
});

describe('reasons', () => {
  it('says what was spent of what and how to go on', () => {
    expect(budgetBlockedReason({ scope: 'run', spent: 4.87, limit: 5, setting: 'maxCostUsdPerRun' })).toBe(
      'budget reached: $4.87 of $5.00 for this run; resume the run (`/tundra retry`, or `tundra run resume`) after raising `budgets.maxCostUsdPerRun`, or cancel',
    );
    expect(
      budgetExceededReason({ scope: 'run_tokens', spent: 12345, limit: 10000, setting: 'maxTokensPerRun' }),
    ).toBe('budget_exceeded: 12,345 of 10,000 tokens for this run; the engine was stopped');
    expect(budgetBlockedReason({ scope: 'day', spent: 50, limit: 50, setting: 'maxCostUsdPerDay' })).toMatch(
      /^budget reached: \$50.00 of \$50.00 for the project's day \(UTC\); resume the run tomorrow/,
    );
  });

  it('formats dollars and days', () => {
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(spendDay(new Date('2026-12-04T23:59:59.999Z'))).toBe('2026-12-04');
  });
});
