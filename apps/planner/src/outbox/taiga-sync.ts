import { commentFor, commentMarker, type JobPayload, resolveStatusMapping, statusPatch } from '@tundra/core';
import type { JobContext, JobHandler, RedisLock, StateStore } from '@tundra/core/server';
import type { TaigaClient } from '@tundra/taiga';
import { DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Histogram } from 'prom-client';
import type { StatusCache } from '../taiga/status-cache.js';
import { writebackTargets } from './writeback-targets.js';

export interface TaigaSyncDeps {
  store: StateStore;
  redis: Redis;
  lock: RedisLock;
  taiga: TaigaClient;
  statuses: StatusCache;
  writebackLag: Histogram<'kind'>;
}

/**
 * `taiga.sync`, the outbox: makes Taiga match the run as it is now (statuses, blocked flag and note of the story and
 * each step's task) and posts the comments of events not reflected yet. It writes the current state, not a diff,
 * so duplicate and reordered jobs are harmless; version conflicts are re-read by the client.
 *
 * Comments are posted once and in order: one write-back of a run runs at a time (a lock per run), a cursor per run
 * records the last event reflected, and a retried job (which may have posted a comment before failing to move the
 * cursor) first looks for the comment's marker in Taiga's history.
 */
export function createTaigaSyncHandler(deps: TaigaSyncDeps): JobHandler<'taiga.sync'> {
  return async (payload, context) => {
    // One write-back of a run at a time: two at once would read the same cursor and post the same comments. A job
    // that finds the run's write-back busy runs a moment later and then reflects whatever happened meanwhile.
    const lockKey = deps.store.keys.outboxLock(payload.protocolRunId);
    const token = await deps.lock.acquire(lockKey, lockTtlMs);
    if (token === null) {
      await context.job.moveToDelayed(Date.now() + busyRetryMs, context.job.token);
      throw new DelayedError();
    }
    try {
      return await syncRun(deps, payload, context);
    } finally {
      await deps.lock.unlock(lockKey, token);
    }
  };
}

const lockTtlMs = 120_000;
const busyRetryMs = 200;

async function syncRun(
  deps: TaigaSyncDeps,
  payload: JobPayload<'taiga.sync'>,
  { job, logger }: JobContext,
): Promise<{ outcome: string } | { patched: number; commented: number }> {
  // Events first, state second: a transition writes both at once, so the state read after the events is at least
  // as new as every event the comments describe (a plan comment never lists the steps from before the plan).
  const cursorKey = deps.store.keys.outboxCursor(payload.protocolRunId);
  const cursor = (await deps.redis.get(cursorKey)) ?? undefined;
  const events = await deps.store.events.readRun(payload.protocolRunId, {
    ...(cursor ? { after: cursor } : {}),
    count: 1_000,
  });
  const run = await deps.store.runs.getRun(payload.protocolRunId);
  const project = run && (await deps.store.projects.get(run.projectId));
  if (!run || !project) return { outcome: 'gone' };
  const steps = await deps.store.runs.listSteps(run.id);
  const mapping = resolveStatusMapping(project.statusMapping);
  const statuses = await deps.statuses.get(project.taiga.projectId);

  let patched = 0;
  for (const target of writebackTargets(run, steps, mapping)) {
    const context = {
      projectId: project.id,
      kind: target.type === 'task' ? ('task' as const) : ('userStory' as const),
    };
    const outcome =
      target.type === 'task'
        ? await deps.taiga.patchTask(target.id, (current) =>
            statusPatch(current, target.desired, statuses.task, context),
          )
        : await deps.taiga.patchUserStory(target.id, (current) =>
            statusPatch(current, target.desired, statuses.userStory, context),
          );
    if (outcome.changed) patched++;
  }

  const retried = job.attemptsMade > 0;
  let commented = 0;
  for (const event of events) {
    const comment = commentFor(event, run, steps);
    if (comment) {
      const taskId =
        comment.on === 'step' ? (steps.find((s) => s.id === comment.stepRunId)?.taigaTaskId ?? null) : null;
      const target =
        taskId !== null
          ? { type: 'task' as const, id: taskId }
          : { type: run.taigaItem.type, id: run.taigaItem.id };
      if (!(retried && (await alreadyPosted(deps.taiga, target, event.id)))) {
        if (target.type === 'task') await deps.taiga.commentOnTask(target.id, comment.text);
        else await deps.taiga.commentOnUserStory(target.id, comment.text);
        commented++;
      }
    }
    await deps.redis.set(cursorKey, event.id);
  }
  const newest = events.at(-1);
  if (newest)
    deps.writebackLag.observe({ kind: 'event' }, Math.max(0, (Date.now() - Date.parse(newest.at)) / 1000));
  logger.debug({ patched, commented, events: events.length }, 'taiga in sync');
  return { patched, commented };
}

async function alreadyPosted(
  taiga: Pick<TaigaClient, 'taskHistory' | 'userStoryHistory'>,
  target: { type: 'task' | 'userstory'; id: number },
  eventId: string,
): Promise<boolean> {
  const history =
    target.type === 'task' ? await taiga.taskHistory(target.id) : await taiga.userStoryHistory(target.id);
  const marker = commentMarker(eventId);
  return history.some((entry) => typeof entry.comment === 'string' && entry.comment.includes(marker));
}
