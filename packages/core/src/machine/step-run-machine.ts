import { Effect, type MachineDefinition } from './machine.js';

export const StepRunStatus = {
  Pending: 'pending',
  Running: 'running',
  NeedsQa: 'needs_qa',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Blocked: 'blocked',
} as const;
export type StepRunStatus = (typeof StepRunStatus)[keyof typeof StepRunStatus];

export const StepRunEvent = {
  StepStarted: 'step_started',
  ExecutionFinished: 'execution_finished',
  ExecutionFailed: 'execution_failed',
  Interrupted: 'interrupted',
  QaPassed: 'qa_passed',
  QaFailed: 'qa_failed',
  CiFailed: 'ci_failed',
  Approved: 'approved',
  Blocked: 'blocked',
  Retried: 'retried',
  Cancelled: 'cancelled',
} as const;
export type StepRunEvent = (typeof StepRunEvent)[keyof typeof StepRunEvent];

const S = StepRunStatus;
const { EnqueueQa, EnqueueNextStep, StopEngine } = Effect;

const cancel = { to: S.Cancelled, effects: [StopEngine] } as const;
const complete = { to: S.Completed, effects: [EnqueueNextStep] } as const;

/**
 * The StepRun machine. Execution ends in `needs_qa`; QA, CI or a human decides from there. `interrupted` hands a
 * running step back to `pending` when its worker died, so the next attempt starts from a clean slate. Every way a
 * step ends or goes back asks for `enqueue_next_step`: the run's advance job decides what follows (the next step, a
 * retry, a blocked run). Which transitions write to Taiga is the event catalog's part (`events/event-catalog.ts`).
 */
export const stepRunMachine = {
  name: 'step_run',
  states: Object.values(StepRunStatus),
  events: Object.values(StepRunEvent),
  table: {
    pending: {
      step_started: { to: S.Running, effects: [] },
      cancelled: cancel,
    },
    running: {
      execution_finished: { to: S.NeedsQa, effects: [EnqueueQa] },
      execution_failed: { to: S.Failed, effects: [EnqueueNextStep] },
      interrupted: { to: S.Pending, effects: [EnqueueNextStep] },
      blocked: { to: S.Blocked, effects: [StopEngine, EnqueueNextStep] },
      cancelled: cancel,
    },
    needs_qa: {
      qa_passed: complete,
      approved: complete,
      qa_failed: { to: S.Failed, effects: [EnqueueNextStep] },
      ci_failed: { to: S.Blocked, effects: [EnqueueNextStep] },
      cancelled: cancel,
    },
    failed: {
      retried: { to: S.Pending, effects: [EnqueueNextStep] },
      cancelled: cancel,
    },
    blocked: {
      // A green CI run for a newer commit, or a human, clears a block without re-running the step.
      qa_passed: complete,
      approved: complete,
      retried: { to: S.Pending, effects: [EnqueueNextStep] },
      cancelled: cancel,
    },
    completed: {},
    cancelled: {},
  },
} as const satisfies MachineDefinition<StepRunStatus, StepRunEvent>;
