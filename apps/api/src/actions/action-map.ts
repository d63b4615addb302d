import {
  allowedEvents,
  type ProtocolRunEvent,
  type ProtocolRunStatus,
  protocolRunMachine,
  type StepRunEvent,
  type StepRunStatus,
  stepRunMachine,
} from '@tundra/core';

/** What an operator can do to a run; each is one ProtocolRun machine event. */
export const RunAction = {
  Pause: 'pause',
  Resume: 'resume',
  Replan: 'replan',
  Cancel: 'cancel',
  /** Approves a plan that waits for it (`planApproval: required`), as `/tundra go` does in Taiga. */
  Start: 'start',
} as const;
export type RunAction = (typeof RunAction)[keyof typeof RunAction];

export const runActionEvent = {
  pause: 'paused',
  resume: 'resumed',
  cancel: 'cancelled',
  replan: 'replanned',
  start: 'run_started',
} as const satisfies Record<RunAction, ProtocolRunEvent>;

/**
 * What an operator can do to a step. `approve`, `reject` and `retry` are StepRun machine events; `run` and `run_qa`
 * enqueue work for a step that is waiting for it (they change no state, so they are checked here instead of by the
 * table). `reject` fails QA with a person's reason, which the next attempt reads, as `/tundra reject <why>` does.
 */
export const StepAction = {
  Run: 'run',
  RunQa: 'run_qa',
  Approve: 'approve',
  Reject: 'reject',
  Retry: 'retry',
} as const;
export type StepAction = (typeof StepAction)[keyof typeof StepAction];

export const stepActionEvent = {
  approve: 'approved',
  reject: 'qa_failed',
  retry: 'retried',
} as const satisfies Record<Exclude<StepAction, 'run' | 'run_qa'>, StepRunEvent>;

/** When `run` and `run_qa` may be asked for: the step's status, and the run's when it matters. */
export const stepRequestRule = {
  run: { stepStatus: 'pending', runStatus: 'running' },
  run_qa: { stepStatus: 'needs_qa', runStatus: null },
} as const satisfies Record<
  'run' | 'run_qa',
  { stepStatus: StepRunStatus; runStatus: ProtocolRunStatus | null }
>;

/** The actions the run's current state allows, derived from the machine table. */
export function allowedProtocolActions(status: ProtocolRunStatus): RunAction[] {
  const events = allowedEvents(protocolRunMachine, status) as string[];
  return Object.values(RunAction).filter((action) => events.includes(runActionEvent[action]));
}

/** The actions a step allows, given its status and its run's. */
export function allowedStepActions(status: StepRunStatus, runStatus: ProtocolRunStatus): StepAction[] {
  const events = allowedEvents(stepRunMachine, status) as string[];
  return Object.values(StepAction).filter((action) => {
    if (action !== 'run' && action !== 'run_qa') return events.includes(stepActionEvent[action]);
    const rule = stepRequestRule[action];
    return rule.stepStatus === status && (rule.runStatus === null || rule.runStatus === runStatus);
  });
}
