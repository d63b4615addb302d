import type { Spent } from '../rules/budget.js';
import { defineScript } from './define-script.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** Tokens and cost, as the ledger keeps them. */
export interface SpendTotals {
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
}

/** One charge: what an engine spent since its last charge. */
export interface SpendCharge {
  projectId: string;
  runId: string;
  stepId: string;
  /** The UTC day it counts in (`spendDay`). */
  day: string;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
}

const microsPerUsd = 1_000_000;
const toMicros = (usd: number) => Math.round(usd * microsPerUsd);
const fromMicros = (micros: number) => micros / microsPerUsd;
/** A day's totals outlive the day long enough for yesterday's figures to be read. */
const dayTtlSeconds = 3 * 24 * 3600;

export const chargeSpend = defineScript({
  name: 'charge-spend',
  keys: ['runSpend', 'daySpend'],
  args: ['stepId', 'costMicros', 'tokensIn', 'tokensOut', 'dayTtl'],
  decode: (reply) => {
    const [stepCost, runCost, runIn, runOut, dayCost] = reply.map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    return { stepCost, runCost, runIn, runOut, dayCost };
  },
});

/**
 * Spending per step, run and project day, counted atomically in Redis (`charge-spend.lua`), so several executors
 * charging the same run or project cannot lose each other's charges or both pass a limit unseen. Cost is kept in
 * integer micro-dollars: additions are exact.
 */
export class SpendLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Adds a charge and returns the totals it brought the step, run and day to. */
  async charge(charge: SpendCharge): Promise<Spent & { runTokensIn: number; runTokensOut: number }> {
    const { stepCost, runCost, runIn, runOut, dayCost } = await chargeSpend.run(
      this.redis,
      {
        runSpend: this.keys.runSpend(charge.runId),
        daySpend: this.keys.projectDaySpend(charge.projectId, charge.day),
      },
      {
        stepId: charge.stepId,
        costMicros: toMicros(charge.costUsd),
        tokensIn: Math.round(charge.tokensIn),
        tokensOut: Math.round(charge.tokensOut),
        dayTtl: dayTtlSeconds,
      },
    );
    return {
      stepCostUsd: fromMicros(stepCost),
      runCostUsd: fromMicros(runCost),
      runTokens: runIn + runOut,
      runTokensIn: runIn,
      runTokensOut: runOut,
      dayCostUsd: fromMicros(dayCost),
    };
  }

  /** What a step, its run and its project's day have spent, read in one step. */
  read(at: Omit<SpendCharge, 'costUsd' | 'tokensIn' | 'tokensOut'>) {
    return this.charge({ ...at, costUsd: 0, tokensIn: 0, tokensOut: 0 });
  }

  /** A run's totals and each of its steps', for the API. */
  async runTotals(runId: string): Promise<SpendTotals & { steps: Record<string, SpendTotals> }> {
    const hash = await this.redis.hgetall(this.keys.runSpend(runId));
    const steps: Record<string, SpendTotals> = {};
    for (const [field, value] of Object.entries(hash)) {
      const match = /^step:(.+):(cost|tokensIn|tokensOut)$/.exec(field);
      if (!match) continue;
      const [, stepId, name] = match as unknown as [string, string, 'cost' | 'tokensIn' | 'tokensOut'];
      const totals = steps[stepId] ?? { costUsd: 0, tokensIn: 0, tokensOut: 0 };
      if (name === 'cost') totals.costUsd = fromMicros(Number(value));
      else totals[name] = Number(value);
      steps[stepId] = totals;
    }
    return {
      costUsd: fromMicros(Number(hash.cost ?? 0)),
      tokensIn: Number(hash.tokensIn ?? 0),
      tokensOut: Number(hash.tokensOut ?? 0),
      steps,
    };
  }

  /** A project's totals for a UTC day. */
  async dayTotals(projectId: string, day: string): Promise<SpendTotals> {
    const [cost, tokensIn, tokensOut] = await this.redis.hmget(
      this.keys.projectDaySpend(projectId, day),
      'cost',
      'tokensIn',
      'tokensOut',
    );
    return {
      costUsd: fromMicros(Number(cost ?? 0)),
      tokensIn: Number(tokensIn ?? 0),
      tokensOut: Number(tokensOut ?? 0),
    };
  }
}
