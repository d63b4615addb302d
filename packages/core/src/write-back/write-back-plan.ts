import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { eventSpec } from '../events/event-catalog.js';
import { commentFor } from '../events/run-comments.js';
import type { ResolvedStatusMapping, TaigaItemState } from '../mapping/status-mapping.js';
import { writeBackTargets } from './desired-state.js';
import { itemKeyOf, type TaigaItemKey } from './taiga-item-port.js';

/** A comment to post, with the event it tells of. */
export interface PendingComment {
  readonly eventId: string;
  /** When the event happened: the write-back lag is counted from here. */
  readonly at: string;
  readonly text: string;
}

/** What one Taiga item needs: its board state (null: leave it) and its comments, oldest first. */
export interface ItemWriteBack {
  readonly item: TaigaItemKey;
  readonly desired: TaigaItemState | null;
  readonly comments: readonly PendingComment[];
  /** Read the item from Taiga first rather than trust its last known answer. */
  readonly reread: boolean;
}

/**
 * What a batch of a run's events asks of Taiga, per item: the event catalog says which events sync the status and
 * which comment. A step's event concerns the items that show the step; a run's event every item of the run (a
 * cancelled run shows on each task). The desired state is the run's as it is now, so duplicate and reordered
 * batches are harmless. Pure.
 */
export function writeBackPlan(input: {
  events: readonly RunEvent[];
  run: ProtocolRun;
  steps: readonly StepRun[];
  mapping: ResolvedStatusMapping;
  /** Every item of the run, events or not, read afresh: Taiga was found showing an older write. */
  refresh?: boolean;
}): ItemWriteBack[] {
  const { events, run, steps } = input;
  const reread = input.refresh === true;
  const targets = writeBackTargets(run, steps, input.mapping);
  const work = new Map<
    string,
    { item: TaigaItemKey; desired: TaigaItemState | null; comments: PendingComment[]; reread: boolean }
  >();
  const entry = (item: TaigaItemKey) => {
    const key = itemKeyOf(item);
    let found = work.get(key);
    if (!found) {
      found = { item: { type: item.type, id: item.id }, desired: null, comments: [], reread };
      work.set(key, found);
    }
    return found;
  };
  if (reread) for (const target of targets) entry(target).desired = target.desired;
  for (const event of events) {
    const spec = eventSpec(event.type);
    if (!spec) continue;
    if (spec.syncsTaiga) {
      const step = event.type.startsWith('step_run.')
        ? steps.find((s) => s.id === event.entityId)
        : undefined;
      for (const target of targets) {
        if (!step || (target.type === 'task' && target.id === step.taigaTaskId)) {
          entry(target).desired = target.desired;
        }
      }
    }
    const comment = commentFor(event, run, steps);
    if (comment) {
      const taskId =
        comment.on === 'step' ? (steps.find((s) => s.id === comment.stepRunId)?.taigaTaskId ?? null) : null;
      const item: TaigaItemKey = taskId !== null ? { type: 'task', id: taskId } : run.taigaItem;
      entry(item).comments.push({ eventId: event.id, at: event.at, text: comment.text });
    }
  }
  return [...work.values()];
}
