import type { RedisClient } from '@tundra/core/server';
import { StopSignal } from '@tundra/core/server';
import type { Logger } from 'pino';

/** Why an engine was told to stop. */
export const StopKind = {
  /** A StopSignal on the control channel: a cancel, a pause, a block. */
  Signal: 'signal',
  /** The run or step left `running` without a signal reaching this process (pub/sub drops messages). */
  StatusChanged: 'status_changed',
  /** The step lease expired and could not be renewed: another executor may own the step now. */
  LeaseLost: 'lease_lost',
  /** This executor is shutting down. */
  Shutdown: 'shutdown',
  /** The engine printed nothing for the project's `limits.stallSeconds`. */
  Stalled: 'stalled',
  /** The engine's spending passed a step, run or day limit. */
  BudgetExceeded: 'budget_exceeded',
} as const;
export type StopKind = (typeof StopKind)[keyof typeof StopKind];

export interface StopReason {
  kind: StopKind;
  message: string;
}

/** One running step's view of the control channel. */
export interface StepWatch {
  readonly signal: AbortSignal;
  /** Why the step was stopped; null while it was not. */
  readonly reason: StopReason | null;
  stop(reason: StopReason): void;
  dispose(): void;
}

interface Registration {
  runId: string;
  stepId: string;
  controller: AbortController;
  reason: StopReason | null;
}

/**
 * The executor process's one subscription to the control channel, fanned out to the steps it runs: a StopSignal
 * for a run (or one of its steps) aborts the matching engines.
 */
export class StopSignalHub {
  private readonly registrations = new Set<Registration>();

  constructor(
    /** A connection of its own: a subscribed connection can do nothing else. */
    private readonly subscriber: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    await this.subscriber.subscribe(this.channel);
  }

  watch(runId: string, stepId: string): StepWatch {
    const registration: Registration = { runId, stepId, controller: new AbortController(), reason: null };
    this.registrations.add(registration);
    return {
      signal: registration.controller.signal,
      get reason() {
        return registration.reason;
      },
      stop: (reason) => this.abort(registration, reason),
      dispose: () => this.registrations.delete(registration),
    };
  }

  /** Stops every step this process runs (shutdown). */
  stopAll(message: string): void {
    for (const registration of this.registrations)
      this.abort(registration, { kind: StopKind.Shutdown, message });
  }

  async close(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel);
  }

  private onMessage(message: string): void {
    let parsed: StopSignal;
    try {
      parsed = StopSignal.parse(JSON.parse(message));
    } catch (error) {
      this.logger.warn({ err: error, message }, 'unreadable stop signal ignored');
      return;
    }
    for (const registration of this.registrations) {
      if (registration.runId !== parsed.protocolRunId) continue;
      if (parsed.stepRunId !== null && parsed.stepRunId !== registration.stepId) continue;
      this.logger.info(
        { protocolRunId: registration.runId, stepRunId: registration.stepId, reason: parsed.reason },
        'stop signal: stopping the engine',
      );
      this.abort(registration, { kind: StopKind.Signal, message: parsed.reason });
    }
  }

  private abort(registration: Registration, reason: StopReason): void {
    if (registration.reason) return;
    registration.reason = reason;
    registration.controller.abort(reason.message);
  }
}
