import { Effect, type MachineDefinition } from './machine.js';

export const ProtocolRunStatus = {
  Pending: 'pending',
  Planning: 'planning',
  Planned: 'planned',
  Running: 'running',
  Paused: 'paused',
  Blocked: 'blocked',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Completed: 'completed',
} as const;
export type ProtocolRunStatus = (typeof ProtocolRunStatus)[keyof typeof ProtocolRunStatus];

export const ProtocolRunEvent = {
  PlanStarted: 'plan_started',
  PlanReady: 'plan_ready',
  PlanFailed: 'plan_failed',
  RunStarted: 'run_started',
  StepsCompleted: 'steps_completed',
  PrMerged: 'pr_merged',
  Blocked: 'blocked',
  CiFailed: 'ci_failed',
  Failed: 'failed',
  Paused: 'paused',
  Resumed: 'resumed',
  Replanned: 'replanned',
  Cancelled: 'cancelled',
} as const;
export type ProtocolRunEvent = (typeof ProtocolRunEvent)[keyof typeof ProtocolRunEvent];

const S = ProtocolRunStatus;
const { SyncTaiga, CommentTaiga, EnqueuePlan, EnqueueNextStep, StopEngine, ReleaseItem } = Effect;

// The advance job cancels the run's unfinished steps, so none of them is left pending for ever.
const cancel = {
  to: S.Cancelled,
  effects: [StopEngine, SyncTaiga, CommentTaiga, ReleaseItem, EnqueueNextStep],
} as const;

/**
 * The ProtocolRun machine. A run is terminal only when `completed` or `cancelled`: `failed` keeps a way back
 * (re-plan) because a failed plan is usually fixed by editing the Taiga item, not by starting over.
 */
export const protocolRunMachine = {
  name: 'protocol_run',
  states: Object.values(ProtocolRunStatus),
  events: Object.values(ProtocolRunEvent),
  table: {
    pending: {
      plan_started: { to: S.Planning, effects: [SyncTaiga] },
      cancelled: cancel,
    },
    planning: {
      plan_ready: { to: S.Planned, effects: [CommentTaiga] },
      plan_failed: { to: S.Failed, effects: [SyncTaiga, CommentTaiga] },
      cancelled: cancel,
    },
    planned: {
      run_started: { to: S.Running, effects: [SyncTaiga, EnqueueNextStep] },
      paused: { to: S.Paused, effects: [SyncTaiga] },
      cancelled: cancel,
    },
    running: {
      steps_completed: { to: S.Completed, effects: [SyncTaiga, CommentTaiga, ReleaseItem] },
      pr_merged: { to: S.Completed, effects: [SyncTaiga, CommentTaiga, ReleaseItem] },
      blocked: { to: S.Blocked, effects: [SyncTaiga, CommentTaiga] },
      ci_failed: { to: S.Blocked, effects: [SyncTaiga, CommentTaiga] },
      failed: { to: S.Failed, effects: [StopEngine, SyncTaiga, CommentTaiga] },
      paused: { to: S.Paused, effects: [StopEngine, SyncTaiga] },
      cancelled: cancel,
    },
    paused: {
      resumed: { to: S.Running, effects: [SyncTaiga, EnqueueNextStep] },
      cancelled: cancel,
    },
    blocked: {
      resumed: { to: S.Running, effects: [SyncTaiga, EnqueueNextStep] },
      pr_merged: { to: S.Completed, effects: [SyncTaiga, CommentTaiga, ReleaseItem] },
      cancelled: cancel,
    },
    failed: {
      replanned: { to: S.Planning, effects: [SyncTaiga, EnqueuePlan] },
      cancelled: cancel,
    },
    cancelled: {},
    completed: {},
  },
} as const satisfies MachineDefinition<ProtocolRunStatus, ProtocolRunEvent>;
