import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per app, with Node's process metrics and an `app` label on every series. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}
