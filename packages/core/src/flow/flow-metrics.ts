import { Counter, type Registry } from 'prom-client';
import type { TransitionHook } from './run-commands.js';

/** `tundra_transitions_total{machine, from, to}`: every applied transition, counted where it happens. */
export function createTransitionCounter(registry: Registry): TransitionHook {
  const counter =
    (registry.getSingleMetric('tundra_transitions_total') as
      | Counter<'machine' | 'from' | 'to'>
      | undefined) ??
    new Counter({
      name: 'tundra_transitions_total',
      help: 'State-machine transitions applied, by machine and from/to status.',
      labelNames: ['machine', 'from', 'to'] as const,
      registers: [registry],
    });
  return (machine, from, to) => counter.inc({ machine, from, to });
}
