import { createStateStore, newRecordId, SpendLedger } from '@tundra/core/server';
import { buildProjectSpec, createTestRedis, type TestRedis } from '@tundra/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentMetrics } from './agent-metrics.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => redis.stop());

/** The value of a gauge's series for a project, as a scrape reads it, or null when it has none. */
async function scraped(registry: Registry, name: string, project: string): Promise<number | null> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.project === project)?.value ?? null;
}

describe('the daily budget gauges', () => {
  it('are read from the projects and the ledger when scraped, whoever charged, and start at 0 each UTC day', async () => {
    const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
    const ledger = new SpendLedger(redis.client, store.keys);
    await store.projects.put(buildProjectSpec({ id: 'capped', budgets: { maxCostUsdPerDay: 5 } }), 0);
    await store.projects.put(buildProjectSpec({ id: 'open' }), 0);
    let now = new Date('2026-12-05T10:00:00Z');
    const registry = new Registry();
    createAgentMetrics(registry, { projects: store.projects, ledger, now: () => now });

    expect(await scraped(registry, 'tundra_budget_day_spent_usd', 'capped')).toBe(0);
    expect(await scraped(registry, 'tundra_budget_day_limit_usd', 'capped')).toBe(5);
    // Another executor's charge (this one never ran an engine) shows at the next scrape.
    // Run ids as the store makes them: a run's spend and its project's day share the project's slot.
    const charge = { stepId: 's1', day: '2026-12-05', tokensIn: 1, tokensOut: 1 };
    await ledger.charge({
      ...charge,
      projectId: 'capped',
      runId: newRecordId('run', 'capped'),
      costUsd: 4.25,
    });
    await ledger.charge({ ...charge, projectId: 'open', runId: newRecordId('run', 'open'), costUsd: 1 });
    expect(await scraped(registry, 'tundra_budget_day_spent_usd', 'capped')).toBe(4.25);
    // A project without a daily limit has no series: the alert compares the two.
    expect(await scraped(registry, 'tundra_budget_day_spent_usd', 'open')).toBeNull();
    expect(await scraped(registry, 'tundra_budget_day_limit_usd', 'open')).toBeNull();

    now = new Date('2026-12-06T00:00:01Z');
    expect(await scraped(registry, 'tundra_budget_day_spent_usd', 'capped')).toBe(0);
  });
});
