import { spendDay } from '@tundra/core';
import type { ProjectRepository, SpendLedger } from '@tundra/core/server';
import { Counter, Gauge, type Registry } from 'prom-client';

function once<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** Why the executor stopped an engine itself, or kept a step from starting. */
export const GuardReason = {
  Stalled: 'stalled',
  BudgetExceeded: 'budget_exceeded',
  Budget: 'budget',
  ModelRefused: 'model_refused',
} as const;
export type GuardReason = (typeof GuardReason)[keyof typeof GuardReason];

/** Where the daily-budget gauges read from when Prometheus scrapes. */
export interface DayBudgetSource {
  projects: Pick<ProjectRepository, 'list'>;
  ledger: Pick<SpendLedger, 'dayTotals'>;
  now?: () => Date;
}

/** The projects that set `budgets.maxCostUsdPerDay`, with that limit. */
async function dayLimits(source: DayBudgetSource): Promise<Array<{ project: string; limit: number }>> {
  return (await source.projects.list()).flatMap((project) => {
    const limit = project.budgets?.maxCostUsdPerDay;
    return limit === undefined ? [] : [{ project: project.id, limit }];
  });
}

/**
 * The guardrails' metrics: engines stopped, steps kept from starting, and the day's spending against its limit.
 * The two day gauges are read from the project records and the spend ledger each time Prometheus scrapes, so they
 * are right for every project with a daily limit whichever executor charged it, and today's spending starts at 0
 * after midnight UTC without a charge.
 */
export function createAgentMetrics(registry: Registry, day: DayBudgetSource) {
  const now = day.now ?? (() => new Date());
  return {
    stops: once(
      registry,
      'tundra_engine_stops_total',
      () =>
        new Counter({
          name: 'tundra_engine_stops_total',
          help: 'Engines the executor stopped itself, by project and reason (stalled, budget_exceeded).',
          labelNames: ['project', 'reason'] as const,
          registers: [registry],
        }),
    ),
    blocks: once(
      registry,
      'tundra_step_start_blocks_total',
      () =>
        new Counter({
          name: 'tundra_step_start_blocks_total',
          help: 'Runs blocked before a step started, by project and reason (budget, model_refused).',
          labelNames: ['project', 'reason'] as const,
          registers: [registry],
        }),
    ),
    daySpent: once(
      registry,
      'tundra_budget_day_spent_usd',
      () =>
        new Gauge({
          name: 'tundra_budget_day_spent_usd',
          help: "What the project's engines spent today (UTC), in US dollars, read from the spend ledger at scrape time; projects with a daily limit.",
          labelNames: ['project'] as const,
          registers: [registry],
          async collect() {
            const limits = await dayLimits(day);
            const today = spendDay(now());
            const spent = await Promise.all(
              limits.map(({ project }) => day.ledger.dayTotals(project, today)),
            );
            this.reset();
            limits.forEach(({ project }, i) => {
              this.set({ project }, spent[i]?.costUsd ?? 0);
            });
          },
        }),
    ),
    dayLimit: once(
      registry,
      'tundra_budget_day_limit_usd',
      () =>
        new Gauge({
          name: 'tundra_budget_day_limit_usd',
          help: "The project's maxCostUsdPerDay, for projects that set one.",
          labelNames: ['project'] as const,
          registers: [registry],
          async collect() {
            const limits = await dayLimits(day);
            this.reset();
            for (const { project, limit } of limits) this.set({ project }, limit);
          },
        }),
    ),
  };
}
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
