import type { RedisLock } from '@tundra/core/server';
import type { TaigaClient, TaigaHistoryEntry } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { ItemKind, ProjectData, StatusInfo, TrackedItem } from '../model/taiga-data.js';
import { type TaigaHistoryFields, type TaigaItemFields, toTrackedItem } from '../taiga/normalize.js';
import type { ReportMetrics } from './metrics.js';
import type { CacheMeta, ReportCache } from './report-cache.js';

export interface TaigaReaderOptions {
  taiga: TaigaClient;
  cache: ReportCache;
  lock: RedisLock;
  lockKey: (projectId: string) => string;
  metrics: ReportMetrics;
  logger: Logger;
  now: () => Date;
  /** How often items are listed in full, which finds items deleted in Taiga (a week by default). */
  fullSyncEveryMs?: number;
  /** Histories read at once. */
  concurrency?: number;
}

const lockTtlMs = 120_000;

/** Runs `work` over `inputs`, at most `limit` at a time. */
async function mapLimit<T, R>(
  inputs: readonly T[],
  limit: number,
  work: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

const statusInfo = (status: {
  id: number;
  name: string;
  slug: string;
  order: number;
  is_closed: boolean;
  color: string;
  wip_limit?: number | null;
}): StatusInfo => ({
  id: status.id,
  name: status.name,
  slug: status.slug,
  order: status.order,
  isClosed: status.is_closed,
  wipLimit: status.wip_limit ?? null,
  color: status.color,
});

/**
 * A project's Taiga data for reports, read through the Redis cache: each sync lists only the items changed since
 * the last one (`modified_date__gte`) and reads the history of those alone, so a daily report costs a few requests,
 * not a year of history. Once in a while (`fullSyncEveryMs`) every item is listed, without reading unchanged
 * histories again, to drop the ones deleted in Taiga. One process syncs a project at a time (a Redis lock).
 */
export class TaigaReader {
  constructor(private readonly options: TaigaReaderOptions) {}

  async read(projectId: string, taigaProjectId: number): Promise<ProjectData> {
    const { lock, lockKey } = this.options;
    let token: string | null = null;
    // Another process syncing the same project: wait for it (its result is what we want), within the lock's TTL.
    for (let waited = 0; token === null; waited += 250) {
      token = await lock.acquire(lockKey(projectId), lockTtlMs);
      if (token === null) {
        if (waited > lockTtlMs) throw new Error(`the report cache of ${projectId} stays locked`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    try {
      return await this.sync(projectId, taigaProjectId);
    } finally {
      await lock.unlock(lockKey(projectId), token);
    }
  }

  private async sync(projectId: string, taigaProjectId: number): Promise<ProjectData> {
    const { taiga, cache, metrics, logger } = this.options;
    const now = this.options.now();
    const previous = await cache.meta(projectId);
    const reset = previous === null || previous.taigaProjectId !== taigaProjectId;
    const full =
      reset ||
      previous.cursor === null ||
      previous.fullSyncAt === null ||
      now.getTime() - Date.parse(previous.fullSyncAt) >= (this.options.fullSyncEveryMs ?? 7 * 86_400_000);
    const mode = full ? 'full' : 'incremental';
    const since = full ? {} : { modified_date__gte: previous.cursor as string };
    const project = { project: taigaProjectId };

    const [detail, storyStatuses, taskStatuses, issueStatuses, issueTypes, severities, priorities] =
      await Promise.all([
        taiga.getProject(taigaProjectId),
        taiga.listUserStoryStatuses(taigaProjectId),
        taiga.listTaskStatuses(taigaProjectId),
        taiga.listIssueStatuses(taigaProjectId),
        taiga.listIssueTypes(taigaProjectId),
        taiga.listSeverities(taigaProjectId),
        taiga.listPriorities(taigaProjectId),
      ]);
    const listed: Record<ItemKind, TaigaItemFields[]> = {
      userstory: await taiga.listUserStories({ ...project, ...since }),
      task: await taiga.listTasks({ ...project, ...since }),
      issue: await taiga.listIssues({ ...project, ...since }),
    };
    const historyOf: Record<ItemKind, (id: number) => Promise<TaigaHistoryEntry[]>> = {
      userstory: (id) => taiga.userStoryHistory(id),
      task: (id) => taiga.taskHistory(id),
      issue: (id) => taiga.issueHistory(id),
    };

    const upsert: TrackedItem[] = [];
    const remove = new Map<ItemKind, number[]>();
    let cursor = reset ? null : (previous?.cursor ?? null);
    for (const kind of Object.keys(listed) as ItemKind[]) {
      const known = reset ? new Map<number, string>() : await cache.modifiedDates(projectId, kind);
      metrics.taigaReads.inc({ read: 'listed', sync: mode }, listed[kind].length);
      const changed = listed[kind].filter(
        (item) => known.get(item.id) !== new Date(item.modified_date ?? 0).toISOString(),
      );
      metrics.taigaReads.inc({ read: 'history', sync: mode }, changed.length);
      const histories = await mapLimit(changed, this.options.concurrency ?? 4, (item) =>
        historyOf[kind](item.id),
      );
      changed.forEach((item, index) => {
        upsert.push(toTrackedItem(kind, item, (histories[index] ?? []) as TaigaHistoryFields[]));
      });
      for (const item of listed[kind]) {
        const modified = new Date(item.modified_date ?? 0).toISOString();
        if (cursor === null || modified > cursor) cursor = modified;
      }
      if (full && !reset) {
        const present = new Set(listed[kind].map((item) => item.id));
        remove.set(
          kind,
          [...known.keys()].filter((id) => !present.has(id)),
        );
      }
    }

    const meta: CacheMeta = {
      taigaProjectId,
      cursor,
      fullSyncAt: full ? now.toISOString() : (previous?.fullSyncAt ?? null),
      project: {
        project: { id: detail.id, name: detail.name, slug: detail.slug },
        statuses: {
          userstory: storyStatuses.map(statusInfo),
          task: taskStatuses.map(statusInfo),
          issue: issueStatuses.map(statusInfo),
        },
        issueTypes: issueTypes.map(({ id, name, order, color }) => ({ id, name, order, color })),
        severities: severities.map(({ id, name, order, color }) => ({ id, name, order, color })),
        priorities: priorities.map(({ id, name, order, color }) => ({ id, name, order, color })),
        users: Object.fromEntries(
          detail.members.map((member) => [String(member.id), member.full_name_display ?? member.username]),
        ),
      },
    };
    await cache.save(projectId, { upsert, remove, reset }, meta);
    logger.debug(
      { projectId, mode, changed: upsert.length, removed: [...remove.values()].flat().length },
      'report cache synced with Taiga',
    );
    return { ...meta.project, items: await cache.items(projectId) };
  }
}
