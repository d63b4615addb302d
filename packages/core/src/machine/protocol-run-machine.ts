import { Effect, type MachineDefinition } from './machine.js';

export const ProtocolRunStatus = {
  Pending: 'pending',
  Planning: 'planning',
  Planned: 'planned',
  Running: 'running',
  InReview: 'in_review',
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
  PrOpened: 'pr_opened',
  FixupRequested: 'fixup_requested',
  PrMerged: 'pr_merged',
  PrClosed: 'pr_closed',
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
const { EnqueuePlan, EnqueueNextStep, StopEngine, ReleaseItem, CleanupWorkspace } = Effect;

// The advance job cancels the run's unfinished steps, so none of them is left pending for ever.
const cancel = {
  to: S.Cancelled,
  effects: [StopEngine, ReleaseItem, CleanupWorkspace, EnqueueNextStep],
} as const;
const complete = { to: S.Completed, effects: [ReleaseItem, CleanupWorkspace] } as const;
// A pull request closed without a merge ends the run as a cancel does; its own comment says why.
const prClosed = cancel;

/**
 * The ProtocolRun machine. A run is terminal only when `completed` or `cancelled`: `failed` keeps a way back
 * (re-plan) because a failed plan is usually fixed by editing the Taiga item, not by starting over. Which
 * transitions write to Taiga (status, comment) is the event catalog's part (`events/event-catalog.ts`).
 */
export const protocolRunMachine = {
  name: 'protocol_run',
  states: Object.values(ProtocolRunStatus),
  events: Object.values(ProtocolRunEvent),
  table: {
    pending: {
      plan_started: { to: S.Planning, effects: [] },
      cancelled: cancel,
    },
    planning: {
      plan_ready: { to: S.Planned, effects: [] },
      plan_failed: { to: S.Failed, effects: [] },
      cancelled: cancel,
    },
    planned: {
      run_started: { to: S.Running, effects: [EnqueueNextStep] },
      paused: { to: S.Paused, effects: [] },
      // A plan waiting for approval can be asked for again (`/tundra replan`).
      replanned: { to: S.Planning, effects: [EnqueuePlan] },
      cancelled: cancel,
    },
    running: {
      steps_completed: complete,
      pr_opened: { to: S.InReview, effects: [] },
      pr_merged: complete,
      pr_closed: prClosed,
      blocked: { to: S.Blocked, effects: [] },
      ci_failed: { to: S.Blocked, effects: [] },
      failed: { to: S.Failed, effects: [StopEngine] },
      paused: { to: S.Paused, effects: [StopEngine] },
      cancelled: cancel,
    },
    // Delivered as a pull request: waiting for people to review, merge or close it. A review that asks for changes
    // appends a fix-up step and sends the run back to running.
    in_review: {
      fixup_requested: { to: S.Running, effects: [EnqueueNextStep] },
      pr_merged: complete,
      pr_closed: prClosed,
      blocked: { to: S.Blocked, effects: [] },
      cancelled: cancel,
    },
    paused: {
      resumed: { to: S.Running, effects: [EnqueueNextStep] },
      cancelled: cancel,
    },
    blocked: {
      resumed: { to: S.Running, effects: [EnqueueNextStep] },
      pr_merged: complete,
      pr_closed: prClosed,
      cancelled: cancel,
    },
    failed: {
      replanned: { to: S.Planning, effects: [EnqueuePlan] },
      cancelled: cancel,
    },
    cancelled: {},
    completed: {},
  },
} as const satisfies MachineDefinition<ProtocolRunStatus, ProtocolRunEvent>;
