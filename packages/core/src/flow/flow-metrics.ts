import { Counter, type Registry } from 'prom-client';
import type { TransitionHook } from './run-commands.js';

/**
 * `tundra_transitions_total{machine, from, to, event}`: every applied transition, counted where it happens. The
 * event is why a run or step failed or blocked (`ci_failed`, `qa_failed`, `execution_failed`…), a bounded label.
 */
export function createTransitionCounter(registry: Registry): TransitionHook {
  const counter =
    (registry.getSingleMetric('tundra_transitions_total') as
      | Counter<'machine' | 'from' | 'to' | 'event'>
      | undefined) ??
    new Counter({
      name: 'tundra_transitions_total',
      help: 'State-machine transitions applied, by machine, from/to status and the event that caused them.',
      labelNames: ['machine', 'from', 'to', 'event'] as const,
      registers: [registry],
    });
  return (machine, from, to, event) => counter.inc({ machine, from, to, event });
}
