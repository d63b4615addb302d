import { randomUUID } from 'node:crypto';
import {
  type Project,
  resolveStatusMapping,
  type StartTrigger,
  type TaigaItemRef,
  writeBackTargets,
} from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import { type TaigaClient, type TaigaHistoryEntry, TaigaNotFoundError } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { StatusCache } from '../taiga/status-cache.js';

export interface ReconcileDeps {
  store: StateStore;
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
 * (2) tracked items whose Taiga status a person changed, or that a person deleted, without Tundra hearing of it,
 * (3) people's comments on tracked items that no webhook brought, and (4) stuck work: steps `running` past their
 * time limit with no live executor, and running runs whose next job was lost.
 */
export function createReconcileHandler(deps: ReconcileDeps): JobHandler<'reconcile'> {
  return async (payload, { logger }) => {
    const projects = payload.projectId
      ? [await deps.store.projects.get(payload.projectId)].filter((p): p is Project => p !== null)
      : await deps.store.projects.list();
    const summary = { triggers: 0, moves: 0, conversations: 0, stuck: 0, advanced: 0, failures: 0 };
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
      summary.conversations +=
        (await attempt('comments', project, () => readConversations(deps, project))) ?? 0;
      const work = await attempt('stuck work', project, () => findStuckWork(deps, project, log));
      summary.stuck += work?.stuck ?? 0;
      summary.advanced += work?.advanced ?? 0;
    }
    return summary;
  };
}

async function findMissedTriggers(deps: ReconcileDeps, project: Project, logger: Logger): Promise<number> {
  const statuses = await deps.statuses.get(project.taiga.projectId);
  const candidates: { item: TaigaItemRef; trigger: StartTrigger }[] = [];
  const found = (trigger: StartTrigger, type: TaigaItemRef['type'], items: { id: number; ref: number }[]) => {
    for (const { id, ref } of items) candidates.push({ item: { type, id, ref }, trigger });
  };
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
    found('bot_assignment', 'userstory', stories);
    found('bot_assignment', 'task', tasks);
  }
  for (const slug of project.trigger.statusSlugs) {
    const storyStatus = statuses.story.find((s) => s.slug === slug);
    const taskStatus = statuses.task.find((s) => s.slug === slug);
    if (storyStatus) {
      found(
        'trigger_status',
        'userstory',
        await deps.taiga.listUserStories({ ...base, status: storyStatus.id }, 'disable'),
      );
    }
    if (taskStatus) {
      found(
        'trigger_status',
        'task',
        await deps.taiga.listTasks({ ...base, status: taskStatus.id }, 'disable'),
      );
    }
  }
  let missed = 0;
  const seen = new Set<string>();
  for (const { item, trigger } of candidates) {
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
      { projectId: project.id, correlationId, taigaItem: item, sourceEventId: null, trigger },
      { jobId: `reconcile-start-${project.id}-${item.type}-${item.id}` },
    );
    deps.found.inc({ project: project.id, kind: 'missed_trigger' });
    logger.info({ taigaItem: item, correlationId, trigger }, 'reconciler: starting a run a webhook missed');
    missed++;
  }
  return missed;
}

/**
 * Items whose Taiga status differs from what Tundra shows there: the run's own item (its story, or its lone task,
 * for which Taiga sends no webhooks at all) in every non-terminal state, and the task of each step waiting for a
 * decision. A status a person set is handed to `taiga.item_changed`, whose reverse mapping decides what it means; a
 * status the bot set is Tundra's own write-back, behind the run (a step handed back on a pause writes nothing), so
 * it means nothing and a write-back is asked for instead.
 */
/**
 * The runs whose Taiga items may have moved since the last pass: after a first pass over the project's latest runs,
 * only those with an item Taiga lists as modified since the last pass started (less an overlap for the two clocks),
 * so a pass costs two Taiga lists and the changed items, not a read of every run.
 */
export async function runsToCheck(
  deps: Pick<ReconcileDeps, 'store'> & { taiga: Pick<TaigaClient, 'listUserStories' | 'listTasks'> },
  project: Project,
): Promise<string[]> {
  const since = await deps.store.reconciler.movesSince(project.id);
  if (since === null) return (await deps.store.runs.listRunIds(project.id, { limit: 1_000 })).ids;
  const modified_date__gte = new Date(since - clockOverlapMs).toISOString();
  const filter = { project: project.taiga.projectId, modified_date__gte };
  const [stories, tasks] = await Promise.all([
    deps.taiga.listUserStories(filter),
    deps.taiga.listTasks(filter),
  ]);
  const runIds = new Set<string>();
  for (const story of stories) {
    const run = await deps.store.runs.findActiveRun(project.id, { type: 'userstory', id: story.id });
    if (run) runIds.add(run.id);
  }
  for (const task of tasks) {
    const run = await deps.store.runs.findActiveRun(project.id, { type: 'task', id: task.id });
    const step = run ? null : await deps.store.runs.findStepByTaigaTask(project.id, task.id);
    const runId = run?.id ?? step?.protocolRunId;
    if (runId) runIds.add(runId);
  }
  return [...runIds];
}

/** How far back each pass looks before the last one started: Taiga's clock and ours may disagree by this much. */
export const clockOverlapMs = 5 * 60_000;

async function findMissedMoves(deps: ReconcileDeps, project: Project, logger: Logger): Promise<number> {
  const mapping = resolveStatusMapping(project.statusMapping);
  const statuses = await deps.statuses.get(project.taiga.projectId);
  const startedAt = deps.now?.() ?? Date.now();
  const ids = await runsToCheck(deps, project);
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
    const checks = writeBackTargets(run, steps, mapping).filter(
      (target) =>
        (target.type === run.taigaItem.type && target.id === run.taigaItem.id) ||
        (target.type === 'task' && waiting.has(target.id)),
    );
    for (const check of checks) {
      if (await deps.store.conversation.isGone(run.id, check)) continue;
      const current = await (check.type === 'task'
        ? deps.taiga.getTask(check.id)
        : deps.taiga.getUserStory(check.id)
      ).catch((error: unknown) => {
        if (error instanceof TaigaNotFoundError) return null;
        throw error;
      });
      if (current === null) {
        // Deleted while no webhook told Tundra: the same as the delete webhook.
        await deps.queues.enqueue(
          'taiga.item_changed',
          {
            projectId: project.id,
            correlationId: run.correlationId,
            sourceEventId: `reconcile-deleted-${check.type}-${check.id}`,
            taigaItem: {
              type: check.type,
              id: check.id,
              ref: check.id === run.taigaItem.id ? run.taigaItem.ref : 0,
            },
            byUserId: 0,
            statusFrom: null,
            statusTo: null,
            deleted: true,
          },
          { jobId: `reconcile-deleted-${project.id}-${check.type}-${check.id}` },
        );
        deps.found.inc({ project: project.id, kind: 'deleted_item' });
        logger.info({ protocolRunId: run.id, taigaItem: check }, 'reconciler: a tracked item was deleted');
        found++;
        continue;
      }
      const list = check.type === 'task' ? statuses.task : statuses.story;
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
          'taiga.write_back',
          {
            projectId: project.id,
            correlationId: run.correlationId,
            protocolRunId: run.id,
            stepRunId: null,
            refresh: true,
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
  await deps.store.reconciler.setMovesSince(project.id, startedAt);
  return found;
}

/**
 * Asks for the comments of every tracked item (each active run's own item and its unfinished steps' tasks): Taiga
 * sends no webhook for a task outside a story, and a delivery can be lost. The job reads each item's history since
 * the last entry read, and every comment is decided once by its history entry id, so asking again is harmless.
 */
async function readConversations(deps: ReconcileDeps, project: Project): Promise<number> {
  const { ids } = await deps.store.runs.listRunIds(project.id, { limit: 1_000 });
  const tick = Math.floor((deps.now?.() ?? Date.now()) / 60_000);
  let asked = 0;
  for (const runId of ids) {
    const run = await deps.store.runs.getRun(runId);
    if (!run || run.status === 'completed' || run.status === 'cancelled') continue;
    const steps = await deps.store.runs.listSteps(runId);
    const items = [
      run.taigaItem,
      ...steps
        .filter((step) => step.status !== 'completed' && step.status !== 'cancelled')
        .flatMap((step) =>
          step.taigaTaskId !== null && step.taigaTaskId !== run.taigaItem.id
            ? [{ type: 'task' as const, id: step.taigaTaskId, ref: 0 }]
            : [],
        ),
    ];
    for (const item of items) {
      if (await deps.store.conversation.isGone(run.id, item)) continue;
      const key = `${project.id}-${item.type}-${item.id}-${tick}`;
      await deps.queues.enqueue(
        'taiga.item_changed',
        {
          projectId: project.id,
          correlationId: run.correlationId,
          sourceEventId: `reconcile-comments-${key}`,
          taigaItem: item,
          byUserId: 0,
          statusFrom: null,
          statusTo: null,
          commented: true,
        },
        { jobId: `reconcile-comments-${key}` },
      );
      asked++;
    }
  }
  return asked;
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
  const running = await deps.store.runs.stepIdsInStatusSince(project.id, 'running', now - limitMs);
  for (const stepId of running) {
    const step = await deps.store.runs.findStep(stepId);
    if (!step) continue;
    if (await deps.store.runs.isStepLeased(step.protocolRunId, step.id)) continue;
    const lastAttempt = step.attempts >= project.limits.maxAttempts;
    const reason = `step ran past its ${project.limits.stepTimeoutSeconds}s time limit with no live executor`;
    await deps.commands.transitionStep(step, lastAttempt ? 'blocked' : 'interrupted', {
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
