import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { Effect, MachineDefinition } from '../machine/machine.js';
import { type ProtocolRunEvent, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { type StepRunEvent, stepRunMachine } from '../machine/step-run-machine.js';
import type { StateStore } from '../store/index.js';
import type { Command, TransitionOutcome } from '../store/run-store.js';
import type { EffectDispatcher } from './effect-dispatcher.js';

/** Told of every applied transition, with the event that caused it (bounded: the machines' event names). */
export type TransitionHook = (machine: string, from: string, to: string, event: string) => void;

const machines: Record<string, MachineDefinition<string, string>> = {
  [protocolRunMachine.name]: protocolRunMachine,
  [stepRunMachine.name]: stepRunMachine,
};

/**
 * Transitions with their effects carried out. A handler that crashed after its transition but before dispatching
 * is retried with the same idempotency key: the store answers `replayed`, and the effects are recomputed from the
 * stored event and dispatched again (job ids derive from the event id, so nothing runs twice).
 */
export class RunCommands {
  constructor(
    private readonly store: StateStore,
    private readonly dispatcher: EffectDispatcher,
    private readonly onTransition?: TransitionHook,
  ) {}

  async run(
    runId: string,
    event: ProtocolRunEvent,
    command: Command<ProtocolRun> & { reason?: string },
  ): Promise<TransitionOutcome<ProtocolRun>> {
    const outcome = await this.store.runs.transitionRun(runId, event, withReason(command));
    await this.follow(
      outcome,
      event,
      runId,
      null,
      command.reason,
      outcome.kind === 'applied' ? outcome.record : undefined,
    );
    return outcome;
  }

  async step(
    runId: string,
    stepId: string,
    event: StepRunEvent,
    command: Command<StepRun> & { reason?: string },
  ): Promise<TransitionOutcome<StepRun>> {
    const outcome = await this.store.runs.transitionStep(runId, stepId, event, withReason(command));
    await this.follow(outcome, event, runId, stepId, command.reason);
    return outcome;
  }

  private async follow(
    outcome: TransitionOutcome<{ status: string }>,
    event: string,
    runId: string,
    stepId: string | null,
    reason: string | undefined,
    /** The run as the transition left it, when the transition was the run's own: no need to read it again. */
    changedRun?: ProtocolRun,
  ): Promise<void> {
    if (outcome.kind !== 'applied' && outcome.kind !== 'replayed') return;
    if (outcome.kind === 'applied' && outcome.transition) {
      const { machine, from, to } = outcome.transition;
      this.onTransition?.(machine, from, to, event);
    }
    const run = changedRun ?? (await this.store.runs.getRun(runId));
    if (!run) return;
    const effects =
      outcome.kind === 'applied' ? outcome.effects : await this.effectsOf(runId, outcome.eventId);
    await this.dispatcher.dispatch({
      run,
      step: stepId ? { id: stepId } : null,
      effects,
      eventId: outcome.eventId,
      ...(reason ? { reason } : {}),
    });
  }

  /** The effects a stored transition event asked for, from the machine table. */
  private async effectsOf(runId: string, eventId: string): Promise<readonly Effect[]> {
    const event = (await this.store.events.readRun(runId, { from: eventId, count: 1 }))[0];
    if (!event || event.id !== eventId || event.from === null) return [];
    const [machineName, eventName] = event.type.split('.') as [string, string];
    return machines[machineName]?.table[event.from]?.[eventName]?.effects ?? [];
  }
}

function withReason<R>(command: Command<R> & { reason?: string }): Command<R> {
  const { reason, ...rest } = command;
  return reason ? { ...rest, payload: { ...rest.payload, reason } } : rest;
}
