import { NonRetryableError } from '../errors.js';

/**
 * What a transition asks the edges to do once it is stored. The pure machine only names them; workers carry them
 * out (enqueue a job, write to Taiga, stop an engine process).
 */
export const Effect = {
  /** Enqueue planning for the run. */
  EnqueuePlan: 'enqueue_plan',
  /** Enqueue execution of the run's next pending step. */
  EnqueueNextStep: 'enqueue_next_step',
  /** Enqueue QA of the step. */
  EnqueueQa: 'enqueue_qa',
  /**
   * Make Taiga reflect the new state (status, blocked flag). Never in a machine's table: the event catalog
   * (`events/event-catalog.ts`) says which events sync Taiga.
   */
  SyncTaiga: 'sync_taiga',
  /** Post a comment on the Taiga item at a moment people care about. From the event catalog, like `sync_taiga`. */
  CommentTaiga: 'comment_taiga',
  /** Stop the engine process of the run or step. */
  StopEngine: 'stop_engine',
  /**
   * Free the Taiga item so that a later trigger may start a new run. Carried out by the transition's own write
   * (the store's script), atomically with the status change, never by the dispatcher.
   */
  ReleaseItem: 'release_item',
  /** Remove the ended run's git worktree. */
  CleanupWorkspace: 'cleanup_workspace',
} as const;
export type Effect = (typeof Effect)[keyof typeof Effect];

/** The effects a machine's table may name: the Taiga ones come from the event catalog. */
export type MachineEffect = Exclude<Effect, typeof Effect.SyncTaiga | typeof Effect.CommentTaiga>;

/** One row of a transition table: where the event leads and what it asks for. */
export interface TransitionRule<S extends string> {
  readonly to: S;
  readonly effects: readonly MachineEffect[];
}

/** A machine is data: its states, its events, and one table of (state, event) → rule. */
export interface MachineDefinition<S extends string, E extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly events: readonly E[];
  readonly table: { readonly [K in S]: { readonly [V in E]?: TransitionRule<S> } };
}

/** The domain event a transition emits; the store appends it to the run's stream. */
export interface DomainEvent<S extends string = string, E extends string = string> {
  readonly machine: string;
  readonly type: E;
  readonly from: S;
  readonly to: S;
}

export interface TransitionAccepted<S extends string, E extends string> {
  readonly ok: true;
  readonly from: S;
  readonly to: S;
  readonly event: E;
  readonly effects: readonly MachineEffect[];
  readonly domainEvent: DomainEvent<S, E>;
}

export interface TransitionRefused<S extends string, E extends string> {
  readonly ok: false;
  readonly error: IllegalTransitionError<S, E>;
}

export type TransitionResult<S extends string, E extends string> =
  | TransitionAccepted<S, E>
  | TransitionRefused<S, E>;

/** The machine refused an event in the current state. Returned, not thrown: a refusal is an expected outcome. */
export class IllegalTransitionError<
  S extends string = string,
  E extends string = string,
> extends NonRetryableError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly machine: string,
    readonly state: S,
    readonly event: E,
    readonly allowed: readonly E[],
  ) {
    super(
      `${machine}: event '${event}' is not allowed in state '${state}'` +
        (allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '; the state is terminal'),
    );
  }
}

/** Applies `event` to a machine in `state`. Pure: no clock, no I/O. */
export function transition<S extends string, E extends string>(
  machine: MachineDefinition<S, E>,
  state: S,
  event: E,
): TransitionResult<S, E> {
  const rule = machine.table[state][event];
  if (!rule) {
    return {
      ok: false,
      error: new IllegalTransitionError(machine.name, state, event, allowedEvents(machine, state)),
    };
  }
  return {
    ok: true,
    from: state,
    to: rule.to,
    event,
    effects: rule.effects,
    domainEvent: { machine: machine.name, type: event, from: state, to: rule.to },
  };
}

/** The events a state accepts, in the table's order. */
export function allowedEvents<S extends string, E extends string>(
  machine: MachineDefinition<S, E>,
  state: S,
): E[] {
  return machine.events.filter((event) => machine.table[state][event] !== undefined);
}

/** A state is terminal when its row of the table is empty: derived, never listed by hand. */
export function isTerminal<S extends string, E extends string>(
  machine: MachineDefinition<S, E>,
  state: S,
): boolean {
  return allowedEvents(machine, state).length === 0;
}
