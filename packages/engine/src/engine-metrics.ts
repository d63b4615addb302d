import { Counter, Histogram, type Registry } from 'prom-client';

/** What an engine is run for: planning a run, executing a step, or checking it. */
export const EngineKind = { Plan: 'plan', Exec: 'exec', Qa: 'qa' } as const;
export type EngineKind = (typeof EngineKind)[keyof typeof EngineKind];

/** Returns the registry's metric of that name, creating it once: several runners may share one registry. */
function once<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** Engine runs by engine (a bounded name, see `engineName`), kind and outcome; time, tokens and cost. */
export function createEngineMetrics(registry: Registry) {
  return {
    runs: once(
      registry,
      'tundra_engine_runs_total',
      () =>
        new Counter({
          name: 'tundra_engine_runs_total',
          help: 'Engine processes run, by engine, kind (plan, exec, qa) and outcome.',
          labelNames: ['engine', 'kind', 'outcome'] as const,
          registers: [registry],
        }),
    ),
    duration: once(
      registry,
      'tundra_engine_duration_seconds',
      () =>
        new Histogram({
          name: 'tundra_engine_duration_seconds',
          help: 'Wall-clock time of engine processes, by engine and kind.',
          labelNames: ['engine', 'kind'] as const,
          buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200],
          registers: [registry],
        }),
    ),
    tokens: once(
      registry,
      'tundra_engine_tokens_total',
      () =>
        new Counter({
          name: 'tundra_engine_tokens_total',
          help: 'Model tokens engines reported (an agent preset in its output, a command in its result file), by engine, kind, project, model and direction (input, output).',
          labelNames: ['engine', 'kind', 'project', 'model', 'direction'] as const,
          registers: [registry],
        }),
    ),
    cost: once(
      registry,
      'tundra_engine_cost_usd_total',
      () =>
        new Counter({
          name: 'tundra_engine_cost_usd_total',
          help: 'Cost in US dollars of engine runs (reported by the engine, or priced from the price table), by engine, kind, project and model.',
          labelNames: ['engine', 'kind', 'project', 'model'] as const,
          registers: [registry],
        }),
    ),
  };
}
export type EngineMetrics = ReturnType<typeof createEngineMetrics>;
