import { randomUUID } from 'node:crypto';
import { type Project, resolveStatusMapping, type TaigaItemRef } from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { TaigaClient, TaigaHistoryEntry } from '@tundra/taiga';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { writebackTargets } from '../outbox/writeback-targets.js';
import type { StatusCache } from '../taiga/status-cache.js';

export interface ReconcileDeps {
  store: StateStore;
  redis: Redis;
  queues: JobQueues;
  commands: RunCommands;
  taiga: TaigaClient;
  statuses: StatusCache;
  /** The bot's Taiga user id (looked up once at start). */
  botUserId: () => Promise<number>;
  found: Counter<'project' | 'kind'>;
  /** How long past its time limit a running step without a live executor waits before it counts as stuck. */
  stuckGraceMs: number;
  now?: () => number;
}

const actor = { kind: 'system', name: 'reconciler' } as const;

/**
 * `reconcile`, on a schedule: Taiga sends each webhook once and none for tasks outside a story, so Tundra also
 * polls. Per project it finds (1) open items assigned to the bot or in a trigger status that never had a run,
 * (2) tracked items whose Taiga status a person changed without Tundra hearing of it, and (3) stuck work: steps
 * `running` past their time limit with no live executor, and running runs whose next job was lost.
 */
export function createReconcileHandler(deps: ReconcileDeps): JobHandler<'reconcile'> {
  return async (payload, { logger }) => {
    const projects = payload.projectId
      ? [await deps.store.projects.get(payload.projectId)].filter((p): p is Project => p !== null)
      : await deps.store.projects.list();
    const summary = { triggers: 0, moves: 0, stuck: 0, advanced: 0, failures: 0 };
    // Each check of each project on its own: Taiga failing for one project, or for the polls, must not stop the
    // stuck-work detection that needs only Redis.
    const attempt = async <T>(check: string, project: Project, work: () => Promise<T>): Promise<T | null> => {
      try {
        return await work();
      } catch (error) {
        summary.failures++;
        logger.warn(
          { err: error, projectId: project.id, check },
          'reconciler check failed; the next pass tries again',
        );
        return null;
      }
    };
    for (const project of projects) {
      const log = logger.child({ projectId: project.id });
      summary.triggers +=
        (await attempt('triggers', project, () => findMissedTriggers(deps, project, log))) ?? 0;
      summary.moves +=
        (await attempt('board moves', project, () => findMissedMoves(deps, project, log))) ?? 0;
      const work = await attempt('stuck work', project, () => findStuckWork(deps, project, log));
      summary.stuck += work?.stuck ?? 0;
      summary.advanced += work?.advanced ?? 0;
    }
    return summary;
  };
}

async function findMissedTriggers(deps: ReconcileDeps, project: Project, logger: Logger): Promise<number> {
  const statuses = await deps.statuses.get(project.taiga.projectId);
  const candidates: TaigaItemRef[] = [];
  const base = { project: project.taiga.projectId };
  if (project.trigger.onBotAssignment) {
    const bot = await deps.botUserId();
    // A story has one assignee field and a list of assigned users; people use either.
    const stories = [
      ...(await deps.taiga.listUserStories({ ...base, assigned_to: bot, is_closed: false }, 'disable')),
      ...(await deps.taiga.listUserStories(
        { ...base, assigned_users: String(bot), is_closed: false },
        'disable',
      )),
    ];
    const tasks = await deps.taiga.listTasks(
      { ...base, assigned_to: bot, status__is_closed: false },
      'disable',
    );
    candidates.push(...stories.map((s) => ({ type: 'userstory' as const, id: s.id, ref: s.ref })));
    candidates.push(...tasks.map((t) => ({ type: 'task' as const, id: t.id, ref: t.ref })));
  }
  for (const slug of project.trigger.statusSlugs) {
    const storyStatus = statuses.userStory.find((s) => s.slug === slug);
    const taskStatus = statuses.task.find((s) => s.slug === slug);
    if (storyStatus) {
      const stories = await deps.taiga.listUserStories({ ...base, status: storyStatus.id }, 'disable');
      candidates.push(...stories.map((s) => ({ type: 'userstory' as const, id: s.id, ref: s.ref })));
    }
    if (taskStatus) {
      const tasks = await deps.taiga.listTasks({ ...base, status: taskStatus.id }, 'disable');
      candidates.push(...tasks.map((t) => ({ type: 'task' as const, id: t.id, ref: t.ref })));
    }
  }
  let found = 0;
  const seen = new Set<string>();
  for (const item of candidates) {
    const key = `${item.type}:${item.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // A step's task is part of a run already; an item that ever had a run was heard of (its later triggers come
    // as webhooks): only items Tundra never saw are what the webhooks missed.
    if (item.type === 'task' && (await deps.store.runs.findStepByTaigaTask(project.id, item.id))) continue;
    if ((await deps.store.runs.listRunIdsForItem(project.id, item)).length > 0) continue;
    const correlationId = randomUUID();
    await deps.queues.enqueue(
      'run.start',
      { projectId: project.id, correlationId, taigaItem: item, sourceEventId: null },
      { jobId: `reconcile-start-${project.id}-${item.type}-${item.id}` },
    );
    deps.found.inc({ project: project.id, kind: 'missed_trigger' });
    logger.info({ taigaItem: item, correlationId }, 'reconciler: starting a run a webhook missed');
    found++;
  }
  return found;
}

/**
 * Items whose Taiga status differs from what Tundra shows there: the run's own item (its story, or its lone task,
 * for which Taiga sends no webhooks at all) in every non-terminal state, and the task of each step waiting for a
 * decision. A status a person set is handed to `taiga.item_changed`, whose reverse mapping decides what it means; a
 * status the bot set is Tundra's own write-back, behind the run (a step handed back on a pause writes nothing), so
 * it means nothing and a write-back is asked for instead.
 */
async function findMissedMoves(deps: ReconcileDeps, project: Project, logger: Logger): Promise<number> {
  const mapping = resolveStatusMapping(project.statusMapping);
  const statuses = await deps.statuses.get(project.taiga.projectId);
  const { ids } = await deps.store.runs.listRunIds(project.id, { limit: 1_000 });
  let found = 0;
  for (const runId of ids) {
    const run = await deps.store.runs.getRun(runId);
    if (!run || run.status === 'completed' || run.status === 'cancelled') continue;
    const steps = await deps.store.runs.listSteps(runId);
    const waiting = new Set(
      steps
        .filter((step) => step.status === 'needs_qa' || step.status === 'blocked')
        .flatMap((step) => step.taigaTaskId ?? []),
    );
    const checks = writebackTargets(run, steps, mapping).filter(
      (target) =>
        (target.type === run.taigaItem.type && target.id === run.taigaItem.id) ||
        (target.type === 'task' && waiting.has(target.id)),
    );
    for (const check of checks) {
      const current =
        check.type === 'task' ? await deps.taiga.getTask(check.id) : await deps.taiga.getUserStory(check.id);
      const list = check.type === 'task' ? statuses.task : statuses.userStory;
      const slug = list.find((s) => s.id === current.status)?.slug;
      const expected = check.desired.statusSlug;
      if (!slug || slug === expected) continue;
      const item = { type: check.type, id: check.id, ref: current.ref };
      const history =
        check.type === 'task'
          ? await deps.taiga.taskHistory(check.id)
          : await deps.taiga.userStoryHistory(check.id);
      const setBy = statusSetter(history);
      if (setBy !== null && setBy === (await deps.botUserId())) {
        await deps.queues.enqueue(
          'taiga.sync',
          {
            projectId: project.id,
            correlationId: run.correlationId,
            protocolRunId: run.id,
            stepRunId: null,
          },
          { jobId: `reconcile-sync-${project.id}-${check.type}-${check.id}-${current.version}` },
        );
        deps.found.inc({ project: project.id, kind: 'stale_writeback' });
        logger.info(
          { protocolRunId: run.id, taigaItem: item, slug, expected },
          'reconciler: Taiga still shows what Tundra wrote before; asking for a write-back',
        );
        continue;
      }
      await deps.queues.enqueue(
        'taiga.item_changed',
        {
          projectId: project.id,
          correlationId: run.correlationId,
          sourceEventId: `reconcile-${check.type}-${check.id}-${current.version}`,
          taigaItem: item,
          byUserId: setBy ?? 0,
          statusFrom: expected,
          statusTo: slug,
        },
        { jobId: `reconcile-move-${project.id}-${check.type}-${check.id}-${current.version}` },
      );
      deps.found.inc({ project: project.id, kind: 'missed_move' });
      logger.info(
        { protocolRunId: run.id, taigaItem: item, slug },
        'reconciler: a board move the webhooks missed',
      );
      found++;
    }
  }
  return found;
}

/**
 * Who last set an item's status, from its Taiga history: the newest entry that changed the status, or else the one
 * that created the item. Null when the history does not say.
 */
function statusSetter(history: readonly TaigaHistoryEntry[]): number | null {
  let newest: { at: number; by: number | null } | null = null;
  for (const entry of history) {
    if (!('status' in entry.diff) && entry.type !== 2) continue;
    const at = Date.parse(entry.created_at);
    // Taiga lists the newest first; ties keep the first seen.
    if (newest === null || at > newest.at) newest = { at, by: entry.user.pk ?? null };
  }
  return newest?.by ?? null;
}

async function findStuckWork(
  deps: ReconcileDeps,
  project: Project,
  logger: Logger,
): Promise<{ stuck: number; advanced: number }> {
  const now = deps.now?.() ?? Date.now();
  const limitMs = project.limits.stepTimeoutSeconds * 1000 + deps.stuckGraceMs;
  let stuck = 0;
  const running = await deps.redis.zrangebyscore(
    deps.store.keys.stepsByStatus(project.id, 'running'),
    0,
    now - limitMs,
  );
  for (const stepId of running) {
    const step = await deps.store.runs.findStep(stepId);
    if (!step) continue;
    if ((await deps.redis.exists(deps.store.keys.stepLease(step.protocolRunId, step.id))) === 1) continue;
    const lastAttempt = step.attempts >= project.limits.maxAttempts;
    const reason = `step ran past its ${project.limits.stepTimeoutSeconds}s time limit with no live executor`;
    await deps.commands.step(step.protocolRunId, step.id, lastAttempt ? 'blocked' : 'interrupted', {
      actor,
      reason,
      expectedVersion: step.version,
      patch: () => ({ resultSummary: reason }),
    });
    deps.found.inc({ project: project.id, kind: 'stuck_step' });
    logger.warn(
      { protocolRunId: step.protocolRunId, stepRunId: step.id, lastAttempt },
      `reconciler: ${reason}`,
    );
    stuck++;
  }
  // A running run always has a next job in flight; re-asking is harmless (advance is idempotent) and recovers a
  // job lost between a transition and its dispatch.
  const { ids } = await deps.store.runs.listRunIds(project.id, { status: 'running', limit: 1_000 });
  const tick = Math.floor(now / 60_000);
  for (const runId of ids) {
    const run = await deps.store.runs.getRun(runId);
    if (!run) continue;
    await deps.queues.enqueue(
      'run.advance',
      { projectId: project.id, correlationId: run.correlationId, protocolRunId: runId },
      { jobId: `reconcile-advance-${runId}-${tick}` },
    );
  }
  return { stuck, advanced: ids.length };
}
