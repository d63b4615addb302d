import {
  type ItemWriteBack,
  type JobPayload,
  type Project,
  type ProtocolRun,
  resolveStatusMapping,
  type StepRun,
  stateTagFor,
  stateTagsPatch,
  type TaigaItemWriter,
  writeBackPlan,
} from '@tundra/core';
import type { JobContext, JobHandler, StateStore } from '@tundra/core/server';
import type { TaigaClient } from '@tundra/taiga';
import type { Histogram } from 'prom-client';
import type { StatusCache } from '../taiga/status-cache.js';
import { TaigaItemGoneError, withoutGoneItems } from './gone-items.js';

export interface WriteBackDeps {
  store: StateStore;
  /** Built on `goneAwarePort`, so a 404 names the item that is gone. */
  writer: TaigaItemWriter;
  /** For the state tags of projects that keep them (`stateTags`). */
  taiga: Pick<TaigaClient, 'patchUserStory'>;
  statuses: StatusCache;
  writeBackLag: Histogram<'kind'>;
  now?: () => number;
}

type SyncResult = { outcome: 'gone' | 'busy' } | { patched: number; commented: number; rounds: number };

/**
 * `taiga.write_back`, the write-back: reflects in Taiga the run's events not reflected yet, as the event catalog says
 * (statuses and blocked flags of the items they concern, and their comments), through the item writer: one PATCH
 * per item carries its status and its first comment.
 *
 * Comments are posted once and in order: one write-back of a run runs at a time (a lock per run), a cursor per run
 * records the last event reflected, and a retried job (which may have posted a comment before failing to move the
 * cursor) first looks for the comment's marker in Taiga's history. A job that finds the run's write-back busy does
 * not wait: it leaves the run marked pending, and the holder goes round again before it lets go.
 */
/** The write-back's job names: its own, and its first one, which jobs queued before the rename carry. */
type WriteBackJobName = 'taiga.write_back' | 'taiga.sync';

export function createWriteBackHandler(deps: WriteBackDeps): JobHandler<WriteBackJobName> {
  return async (payload, context) => {
    const runId = payload.protocolRunId;
    await deps.store.writeBack.markPending(runId, { refresh: payload.refresh === true });
    let total = { patched: 0, commented: 0, rounds: 0 };
    for (;;) {
      const token = await deps.store.writeBack.acquireLock(runId, lockTtlMs);
      // The holder checks the flag after letting go, so this job's mark is not lost.
      if (token === null) return total.rounds > 0 ? total : { outcome: 'busy' };
      try {
        for (
          let asked = await deps.store.writeBack.takePending(runId);
          asked;
          asked = await deps.store.writeBack.takePending(runId)
        ) {
          const round = await syncRun(deps, payload, context, {
            again: total.rounds > 0,
            refresh: asked.refresh,
          });
          if ('outcome' in round) return round;
          total = {
            patched: total.patched + round.patched,
            commented: total.commented + round.commented,
            rounds: total.rounds + 1,
          };
        }
      } finally {
        await deps.store.writeBack.releaseLock(runId, token);
      }
      // A job that marked the run after the last take and found the lock held left its events to us.
      if (!(await deps.store.writeBack.isPending(runId))) return total;
    }
  };
}

const lockTtlMs = 120_000;

async function syncRun(
  deps: WriteBackDeps,
  payload: JobPayload<WriteBackJobName>,
  context: JobContext,
  { again, refresh, afterGone = false }: { again: boolean; refresh: boolean; afterGone?: boolean },
): Promise<SyncResult> {
  const { job, logger } = context;
  const now = deps.now ?? Date.now;
  // Events first, state second: a transition writes both at once, so the state read after the events is at least
  // as new as every event the comments describe (a plan comment never lists the steps from before the plan).
  const runId = payload.protocolRunId;
  const cursor = await deps.store.writeBack.cursor(runId);
  const events = await deps.store.events.readRun(runId, {
    ...(cursor ? { after: cursor } : {}),
    count: 1_000,
  });
  if (events.length === 0 && !refresh) return { patched: 0, commented: 0, rounds: 1 };
  const [run, steps] = await Promise.all([deps.store.runs.getRun(runId), deps.store.runs.listSteps(runId)]);
  const project = run && (await deps.store.projects.get(run.projectId));
  if (!run || !project) return { outcome: 'gone' };
  const statuses = await deps.statuses.get(project.taiga.projectId);
  // An item a person deleted is final: it is never written again, and no job retries against its 404.
  const gone = await deps.store.conversation.goneItems(runId);
  const work = withoutGoneItems(
    writeBackPlan({ events, run, steps, mapping: resolveStatusMapping(project.statusMapping), refresh }),
    run.taigaItem,
    (item) => gone.has(`${item.type}:${item.id}`),
  );
  let report: Awaited<ReturnType<TaigaItemWriter['write']>>;
  try {
    report = await deps.writer.write(work, {
      statuses,
      projectId: project.id,
      // A round after the first is the same job going on: only a retried job may have posted before, or a round
      // cut short by a deleted item (the other items' comments may have gone out).
      retried: (job.attemptsMade > 0 && !again) || afterGone,
    });
  } catch (error) {
    if (!(error instanceof TaigaItemGoneError)) throw error;
    await deps.store.conversation.markGone(runId, error.item);
    logger.warn({ taigaItem: error.item }, 'the item is gone from Taiga: Tundra writes nothing more to it');
    return syncRun(deps, payload, context, { again, refresh, afterGone: true });
  }
  await syncStateTag(deps, project, run, steps, work, gone);
  // A refresh may find no event past the cursor: the cursor then stays, and there is no event lag to count.
  const newest = events.at(-1);
  if (newest) await deps.store.writeBack.advance(runId, newest.id);
  for (const posted of report.posted) {
    deps.writeBackLag.observe(
      { kind: 'comment' },
      Math.max(0, (posted.postedAt - Date.parse(posted.at)) / 1000),
    );
  }
  if (newest) {
    deps.writeBackLag.observe({ kind: 'event' }, Math.max(0, (now() - Date.parse(newest.at)) / 1000));
  }
  logger.debug(
    {
      patched: report.patched,
      commented: report.posted.length,
      events: events.length,
      conflicts: report.conflicts,
    },
    'taiga in sync',
  );
  return { patched: report.patched, commented: report.posted.length, rounds: 1 };
}

/**
 * Tags as state (`stateTags`): when this round wrote to the story, its `tundra:*` tag follows the run; people's
 * own tags are left alone.
 */
async function syncStateTag(
  deps: WriteBackDeps,
  project: Project,
  run: ProtocolRun,
  steps: readonly StepRun[],
  work: readonly ItemWriteBack[],
  gone: ReadonlySet<string>,
): Promise<void> {
  const story = run.taigaItem;
  if (!project.stateTags || story.type !== 'userstory' || gone.has(`userstory:${story.id}`)) return;
  if (!work.some((entry) => entry.item.type === 'userstory' && entry.item.id === story.id)) return;
  const wanted = stateTagFor(run, steps, {
    planApproval: project.planApproval === 'required',
    manualQa: project.qaPolicy.kind === 'manual',
  });
  await deps.taiga.patchUserStory(story.id, (current) => {
    const tags = stateTagsPatch(current.tags, wanted);
    return tags === null ? null : { tags };
  });
}
