import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import type { StepRunStatus } from '../machine/step-run-machine.js';
import {
  desiredTaskState,
  desiredUserStoryState,
  type ResolvedStatusMapping,
  type TaigaItemState,
} from '../mapping/status-mapping.js';
import type { TaigaItemKey } from './taiga-item-port.js';

/** One Taiga item and how Tundra wants it to look. */
export interface WriteBackTarget extends TaigaItemKey {
  desired: TaigaItemState;
}

/** A lone task run shows on its task with the task statuses: the run's status as the closest step status. */
const runAsTaskStatus: Record<ProtocolRunStatus, StepRunStatus> = {
  pending: 'pending',
  planning: 'pending',
  planned: 'pending',
  running: 'running',
  // A task in review shows as a step waiting for its decision.
  in_review: 'needs_qa',
  paused: 'pending',
  blocked: 'blocked',
  failed: 'failed',
  cancelled: 'cancelled',
  completed: 'completed',
};

/**
 * Every Taiga item that shows the run, with the state it should have: the run's story (or lone task) and each
 * step's task. When a step shows on the run's own task (a lone task planned by `taiga-tasks`), the step's state
 * wins while the run is active and the run's once it has ended.
 */
export function writeBackTargets(
  run: ProtocolRun,
  steps: readonly StepRun[],
  mapping: ResolvedStatusMapping,
): WriteBackTarget[] {
  const targets: WriteBackTarget[] = [];
  const reason = run.reason ?? undefined;
  const runEnded = run.status === 'completed' || run.status === 'cancelled' || run.status === 'failed';
  const stepOnItem =
    run.taigaItem.type === 'task' && steps.some((step) => step.taigaTaskId === run.taigaItem.id);
  if (run.taigaItem.type === 'userstory') {
    targets.push({
      type: 'userstory',
      id: run.taigaItem.id,
      desired: desiredUserStoryState(mapping, run.status, reason),
    });
  } else if (!stepOnItem || runEnded) {
    targets.push({
      type: 'task',
      id: run.taigaItem.id,
      desired: desiredTaskState(mapping, runAsTaskStatus[run.status], reason),
    });
  }
  for (const step of steps) {
    if (step.taigaTaskId === null) continue;
    if (runEnded && step.taigaTaskId === run.taigaItem.id && run.taigaItem.type === 'task') continue;
    targets.push({
      type: 'task',
      id: step.taigaTaskId,
      desired: desiredTaskState(mapping, step.status, step.resultSummary ?? reason),
    });
  }
  return targets;
}
