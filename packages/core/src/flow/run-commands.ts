import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { ProtocolRunEvent } from '../machine/protocol-run-machine.js';
import type { StepRunEvent } from '../machine/step-run-machine.js';
import type { StateStore } from '../store/index.js';
import type { Command, TransitionOutcome } from '../store/run-store.js';
import type { EffectDispatcher } from './effect-dispatcher.js';

type StepCommand = Command<StepRun> & { reason?: string };

/** Told of every applied transition, with the event that caused it (bounded: the machines' event names). */
export type TransitionHook = (machine: string, from: string, to: string, event: string) => void;

/**
 * Transitions with their effects carried out: one store write, then the effects. A handler that crashed after its
 * transition but before dispatching is retried with the same idempotency key: the store answers `replayed` with
 * the effects it remembered, and they are dispatched again (job ids derive from the event id, so nothing runs
 * twice).
 */
export class RunCommands {
  constructor(
    private readonly store: StateStore,
    private readonly dispatcher: EffectDispatcher,
    private readonly onTransition?: TransitionHook,
  ) {}

  /** Applies a run event to the run the caller holds (or to the run with this id, read first). */
  async transitionRun(
    run: ProtocolRun | string,
    event: ProtocolRunEvent,
    command: Command<ProtocolRun> & { reason?: string },
  ): Promise<TransitionOutcome<ProtocolRun>> {
    const outcome = await this.store.runs.transitionRun(run, event, withReason(command));
    const runId = typeof run === 'string' ? run : run.id;
    const projectId =
      outcome.kind === 'applied' ? outcome.record.projectId : typeof run === 'string' ? null : run.projectId;
    await this.follow(outcome, event, { runId, projectId, stepId: null }, command.reason);
    return outcome;
  }

  /** Applies a step event to the step the caller holds (or to the step with these ids, read first). */
  async transitionStep(
    step: StepRun,
    event: StepRunEvent,
    command: StepCommand,
  ): Promise<TransitionOutcome<StepRun>>;
  async transitionStep(
    runId: string,
    stepId: string,
    event: StepRunEvent,
    command: StepCommand,
  ): Promise<TransitionOutcome<StepRun>>;
  async transitionStep(
    ...args: [StepRun, StepRunEvent, StepCommand] | [string, string, StepRunEvent, StepCommand]
  ): Promise<TransitionOutcome<StepRun>> {
    const step =
      typeof args[0] === 'string' ? await this.store.runs.getStep(args[0], args[1] as string) : args[0];
    const [event, command] = (typeof args[0] === 'string' ? args.slice(2) : args.slice(1)) as [
      StepRunEvent,
      StepCommand,
    ];
    if (!step) return { kind: 'not_found' };
    const outcome = await this.store.runs.transitionStep(step, event, withReason(command));
    await this.follow(
      outcome,
      event,
      { runId: step.protocolRunId, projectId: step.projectId, stepId: step.id },
      command.reason,
    );
    return outcome;
  }

  private async follow(
    outcome: TransitionOutcome<{ status: string }>,
    event: string,
    where: { runId: string; projectId: string | null; stepId: string | null },
    reason: string | undefined,
  ): Promise<void> {
    if (outcome.kind !== 'applied' && outcome.kind !== 'replayed') return;
    if (outcome.kind === 'applied' && outcome.transition) {
      const { machine, from, to } = outcome.transition;
      this.onTransition?.(machine, from, to, event);
    }
    // A replay of a run given by id alone does not know the project: the one case that reads the run.
    const projectId = where.projectId ?? (await this.store.runs.getRun(where.runId))?.projectId;
    if (!projectId) return;
    await this.dispatcher.dispatch({
      run: { id: where.runId, projectId, correlationId: outcome.correlationId },
      step: where.stepId ? { id: where.stepId } : null,
      effects: outcome.effects,
      eventId: outcome.eventId,
      ...(reason ? { reason } : {}),
    });
  }
}

function withReason<R>(command: Command<R> & { reason?: string }): Command<R> {
  const { reason, ...rest } = command;
  return reason ? { ...rest, payload: { ...rest.payload, reason } } : rest;
}
