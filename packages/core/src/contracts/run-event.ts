import { z } from 'zod';
import { CorrelationId, Timestamp } from './ids.js';

/** Who caused an event: a Tundra app, a Taiga user, CI, or an operator through the API. */
export const Actor = z.object({
  kind: z.enum(['system', 'taiga_user', 'ci', 'operator']),
  name: z.string().min(1),
});
export type Actor = z.infer<typeof Actor>;

/**
 * One entry of a run's event stream. `id` is the Redis stream id, so events order and page by it.
 * `type` is `<machine>.<event>` for transitions (e.g. `step_run.execution_finished`) or `protocol_run.created`.
 */
export const RunEvent = z.object({
  id: z.string(),
  type: z.string().min(1),
  entityId: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  version: z.number().int().min(1),
  at: Timestamp,
  actor: Actor,
  correlationId: CorrelationId,
  payload: z.record(z.string(), z.unknown()),
  /** What the transition asked for (absent on events that are no transition, e.g. `created`). */
  effects: z.array(z.string()).optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;
