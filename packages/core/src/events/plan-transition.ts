import { Effect, type MachineDefinition, type TransitionRefused, transition } from '../machine/machine.js';
import type { ProtocolRunEvent, ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { protocolRunMachine } from '../machine/protocol-run-machine.js';
import type { StepRunEvent, StepRunStatus } from '../machine/step-run-machine.js';
import { stepRunMachine } from '../machine/step-run-machine.js';
import { type EventSpec, eventCatalog } from './event-catalog.js';

/** A transition the machine accepts, with everything its write and its edges need. */
export interface PlannedTransition<S extends string, E extends string> {
  readonly ok: true;
  readonly machine: string;
  readonly from: S;
  readonly to: S;
  readonly event: E;
  /** The event's type in the run's stream, e.g. `step_run.qa_passed`. */
  readonly type: string;
  readonly spec: EventSpec;
  /** The machine's effects and the catalog's Taiga effects, each once. */
  readonly effects: readonly Effect[];
}

export type TransitionPlan<S extends string, E extends string> =
  | PlannedTransition<S, E>
  | TransitionRefused<S, E>;

function planWith<S extends string, E extends string>(
  machine: MachineDefinition<S, E>,
  catalog: Record<E, EventSpec>,
  state: S,
  event: E,
): TransitionPlan<S, E> {
  const result = transition(machine, state, event);
  if (!result.ok) return result;
  const spec = catalog[event];
  const effects: Effect[] = [
    ...(spec.syncsTaiga ? [Effect.SyncTaiga] : []),
    ...(spec.comment ? [Effect.CommentTaiga] : []),
    ...result.effects,
  ];
  return {
    ok: true,
    machine: machine.name,
    from: result.from,
    to: result.to,
    event,
    type: `${machine.name}.${event}`,
    spec,
    effects,
  };
}

/** Applies a run event to a run in `state`: the machine's move, the catalog's Taiga effects. Pure. */
export function planRunTransition(
  state: ProtocolRunStatus,
  event: ProtocolRunEvent,
): TransitionPlan<ProtocolRunStatus, ProtocolRunEvent> {
  return planWith(protocolRunMachine, eventCatalog.protocol_run, state, event);
}

/** Applies a step event to a step in `state`. Pure. */
export function planStepTransition(
  state: StepRunStatus,
  event: StepRunEvent,
): TransitionPlan<StepRunStatus, StepRunEvent> {
  return planWith(stepRunMachine, eventCatalog.step_run, state, event);
}
