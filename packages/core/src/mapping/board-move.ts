import { isTerminal } from '../machine/machine.js';
import { ProtocolRunEvent, ProtocolRunStatus, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { StepRunEvent, StepRunStatus } from '../machine/step-run-machine.js';
import { type ResolvedStatusMapping, statusesMappedTo } from './status-mapping.js';

/** The status a person moved an item to, as a Taiga webhook or a poll reports it. */
export interface BoardStatus {
  readonly slug: string;
  readonly isClosed: boolean;
}

export const BoardAction = {
  Cancel: 'cancel',
  Pause: 'pause',
  Resume: 'resume',
  Start: 'start',
  Approve: 'approve',
  Reject: 'reject',
  Ignore: 'ignore',
} as const;
export type BoardAction = (typeof BoardAction)[keyof typeof BoardAction];

export type StoryMoveMeaning =
  | {
      readonly action: 'cancel' | 'pause' | 'resume' | 'start';
      readonly event: ProtocolRunEvent;
      readonly reason: string;
    }
  | { readonly action: 'ignore'; readonly reason: string };

export type TaskMoveMeaning =
  | { readonly action: 'approve' | 'reject'; readonly event: StepRunEvent; readonly reason: string }
  | { readonly action: 'ignore'; readonly reason: string };

const P = ProtocolRunStatus;
const T = StepRunStatus;

/**
 * What a person's move of a run's user story to `to` asks of the run. A closed status (or the slug only
 * `cancelled` maps to) cancels; the slug only `paused` maps to pauses; from `paused` or `blocked`, the slug of `running` resumes; from `planned`
 * (a plan waiting for approval), it starts the run.
 * A slug shared by several run statuses says nothing on its own, so it is ignored. The caller must already have
 * dropped moves made by Tundra's own bot user.
 */
export function interpretStoryMove(
  mapping: ResolvedStatusMapping,
  run: ProtocolRunStatus,
  to: BoardStatus,
): StoryMoveMeaning {
  if (isTerminal(protocolRunMachine, run)) {
    return { action: 'ignore', reason: `the run is ${run}: a terminal run does not follow the board` };
  }
  const mappedHere = statusesMappedTo(mapping.userStory, to.slug);
  if (mappedHere.includes(run)) {
    return { action: 'ignore', reason: `'${to.slug}' is where a ${run} run already shows` };
  }
  if (to.isClosed || onlyMapsTo(mappedHere, P.Cancelled)) {
    return storyEvent(
      run,
      'cancel',
      ProtocolRunEvent.Cancelled,
      `moved to ${to.isClosed ? 'closed ' : ''}'${to.slug}'`,
    );
  }
  if (onlyMapsTo(mappedHere, P.Paused)) {
    return storyEvent(run, 'pause', ProtocolRunEvent.Paused, `moved to '${to.slug}', the paused status`);
  }
  if ((run === P.Paused || run === P.Blocked) && mappedHere.includes(P.Running)) {
    return storyEvent(run, 'resume', ProtocolRunEvent.Resumed, `moved to '${to.slug}', the running status`);
  }
  // A plan waiting for approval is approved by moving its story to where running runs show.
  if (run === P.Planned && mappedHere.includes(P.Running)) {
    return storyEvent(run, 'start', ProtocolRunEvent.RunStarted, `moved to '${to.slug}', the running status`);
  }
  return { action: 'ignore', reason: `moving a ${run} run's story to '${to.slug}' means nothing to Tundra` };
}

/**
 * What a person's move of a step's task to `to` asks of the step. Only a step waiting for a decision (`needs_qa`,
 * or `blocked` for approval) listens: the slug of `failed` or a preset reject slug rejects (`qa_failed`, from
 * `needs_qa` only), even when that status is closed; the slug of `cancelled` decides nothing; otherwise a closed
 * status, the slug of `completed` or a preset approve slug approves.
 */
export function interpretTaskMove(
  mapping: ResolvedStatusMapping,
  step: StepRunStatus,
  to: BoardStatus,
): TaskMoveMeaning {
  if (step !== T.NeedsQa && step !== T.Blocked) {
    return {
      action: 'ignore',
      reason: `the step is ${step}: only a needs_qa or blocked step takes a decision`,
    };
  }
  // Checked before "closed": Taiga templates often mark rejecting statuses closed too, and those must not approve.
  const rejects = to.slug === mapping.task.failed || mapping.taskRejectSlugs.includes(to.slug);
  if (rejects) {
    return step === T.NeedsQa
      ? { action: 'reject', event: StepRunEvent.QaFailed, reason: `moved to rejecting status '${to.slug}'` }
      : { action: 'ignore', reason: `'${to.slug}' rejects, and a ${step} step has nothing to reject` };
  }
  if (to.slug === mapping.task.cancelled && to.slug !== mapping.task.completed) {
    return { action: 'ignore', reason: `'${to.slug}' is where a cancelled step shows: it approves nothing` };
  }
  if (to.isClosed || to.slug === mapping.task.completed || mapping.taskApproveSlugs.includes(to.slug)) {
    return {
      action: 'approve',
      event: StepRunEvent.Approved,
      reason: `moved to approving status '${to.slug}'`,
    };
  }
  return { action: 'ignore', reason: `moving a ${step} step's task to '${to.slug}' decides nothing` };
}

function storyEvent(
  run: ProtocolRunStatus,
  action: 'cancel' | 'pause' | 'resume' | 'start',
  event: ProtocolRunEvent,
  reason: string,
): StoryMoveMeaning {
  // The machine table is the one judge of what a run accepts; a move it would refuse is ignored, not an error.
  const row: { readonly [E in ProtocolRunEvent]?: unknown } = protocolRunMachine.table[run];
  if (row[event] === undefined) {
    return { action: 'ignore', reason: `${reason}, but a ${run} run does not accept '${event}'` };
  }
  return { action, event, reason };
}

function onlyMapsTo<S extends string>(mapped: readonly S[], status: S): boolean {
  return mapped.length === 1 && mapped[0] === status;
}
