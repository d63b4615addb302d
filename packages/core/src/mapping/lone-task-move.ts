import { isTerminal } from '../machine/machine.js';
import { ProtocolRunEvent, ProtocolRunStatus, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { type StepRunEvent, StepRunStatus } from '../machine/step-run-machine.js';
import { type BoardStatus, interpretTaskMove } from './board-move.js';
import { type ResolvedStatusMapping, statusesMappedTo } from './status-mapping.js';

/**
 * A lone-task run as its Taiga task shows it. A lone task is a run whose Taiga item is a task, not a user story:
 * the task stands for the run, and with the `taiga-tasks` plan engine also for its one step.
 */
export interface LoneTask<S extends { readonly status: StepRunStatus }> {
  readonly run: ProtocolRunStatus;
  /** The step shown on the run's own task; null when none is (another plan engine, or not planned yet). */
  readonly step: S | null;
  /** The task status slug Tundra shows on the task now: what its write-back puts there for the run and step. */
  readonly shows: string;
}

export type LoneTaskMoveMeaning<S> =
  | {
      readonly target: 'step';
      readonly step: S;
      readonly action: 'approve' | 'reject';
      readonly event: StepRunEvent;
      readonly reason: string;
    }
  | {
      readonly target: 'run';
      readonly action: 'cancel' | 'pause' | 'resume';
      readonly event: ProtocolRunEvent;
      readonly reason: string;
    }
  | { readonly target: 'none'; readonly action: 'ignore'; readonly reason: string };

const P = ProtocolRunStatus;
const T = StepRunStatus;

/**
 * What a person's move of a lone task to `to` asks of its run, in the task statuses (a task has no story status to
 * read). A step waiting for a decision takes the move first, as `interpretTaskMove` reads it: closing the task is
 * how a person approves its one step. A move that decides nothing there is read for the run: a closed status (or the
 * slug only `cancelled` maps to) cancels; the slug of `pending`, where a paused lone task shows, pauses (a slug it
 * shares with `cancelled` only is read as the pause, which can be undone); from `paused` or `blocked`, the slug of
 * `running` resumes. A move to where the task shows already means nothing. The caller must already have dropped
 * moves made by Tundra's own bot user.
 */
export function interpretLoneTaskMove<S extends { readonly status: StepRunStatus }>(
  mapping: ResolvedStatusMapping,
  task: LoneTask<S>,
  to: BoardStatus,
): LoneTaskMoveMeaning<S> {
  const { run, step } = task;
  if (isTerminal(protocolRunMachine, run)) {
    return ignore(`the run is ${run}: a terminal run does not follow the board`);
  }
  if (to.slug === task.shows) {
    return ignore(`'${to.slug}' is where the task shows the ${run} run already`);
  }
  if (step !== null) {
    const decision = interpretTaskMove(mapping, step.status, to);
    if (decision.action !== 'ignore') return { target: 'step', step, ...decision };
  }
  const mappedHere = statusesMappedTo(mapping.task, to.slug);
  if (to.isClosed || (mappedHere.length === 1 && mappedHere[0] === T.Cancelled)) {
    return runEvent(run, 'cancel', ProtocolRunEvent.Cancelled, `task moved to ${closedOr(to)}'${to.slug}'`);
  }
  if (mappedHere.includes(T.Pending) && mappedHere.every((s) => s === T.Pending || s === T.Cancelled)) {
    return runEvent(run, 'pause', ProtocolRunEvent.Paused, `task moved to '${to.slug}', the pending status`);
  }
  if ((run === P.Paused || run === P.Blocked) && mappedHere.includes(T.Running)) {
    return runEvent(
      run,
      'resume',
      ProtocolRunEvent.Resumed,
      `task moved to '${to.slug}', the running status`,
    );
  }
  const waiting = step === null ? '' : ` with its step ${step.status}`;
  return ignore(`moving the task of a ${run} run${waiting} to '${to.slug}' means nothing to Tundra`);
}

function runEvent<S>(
  run: ProtocolRunStatus,
  action: 'cancel' | 'pause' | 'resume',
  event: ProtocolRunEvent,
  reason: string,
): LoneTaskMoveMeaning<S> {
  // The machine table is the one judge of what a run accepts; a move it would refuse is ignored, not an error.
  const row: { readonly [E in ProtocolRunEvent]?: unknown } = protocolRunMachine.table[run];
  if (row[event] === undefined) return ignore(`${reason}, but a ${run} run does not accept '${event}'`);
  return { target: 'run', action, event, reason };
}

function ignore<S>(reason: string): LoneTaskMoveMeaning<S> {
  return { target: 'none', action: 'ignore', reason };
}

function closedOr(to: BoardStatus): string {
  return to.isClosed ? 'closed ' : '';
}
