/**
 * One executor's side of the budget race in `spend-ledger.int.test.ts`: waits for the start signal, then charges
 * the same step as an engine would, one delta at a time, until the run's limit is passed, and prints what every
 * charge returned. Run as its own process, so that two of them race through Redis and nothing else.
 */
import { Redis } from 'ioredis';
import { budgetBreach } from '../src/rules/budget.js';
import { createKeys } from '../src/store/keys.js';
import { SpendLedger } from '../src/store/spend-ledger.js';

const { REDIS_URL, PREFIX, RUN_ID, DELTA_USD, LIMIT_USD, GO_KEY } = process.env as Record<string, string>;
const redis = new Redis(REDIS_URL!, { maxRetriesPerRequest: null });
const keys = createKeys(PREFIX);
const ledger = new SpendLedger(redis, keys);
const delta = Number(DELTA_USD);
const budgets = { maxCostUsdPerRun: Number(LIMIT_USD) };

await redis.blpop(GO_KEY!, 30);
const totals: number[] = [];
for (;;) {
  const spent = await ledger.charge({
    projectId: 'race',
    runId: RUN_ID!,
    stepId: `step-${process.pid}`,
    day: '2026-12-04',
    costUsd: delta,
    tokensIn: 10,
    tokensOut: 1,
  });
  totals.push(spent.runCostUsd);
  if (budgetBreach(spent, budgets, 'while_running')) break;
}
process.stdout.write(`${JSON.stringify({ totals })}\n`);
await redis.quit();
