import type { Keys, RedisClient } from '@tundra/core/server';
import { type ItemKind, itemKinds, type ProjectData, type TrackedItem } from '../model/taiga-data.js';

/** What the cache knows of a project besides its items. */
export interface CacheMeta {
  /** The Taiga project the items came from: a project moved to another one starts over. */
  taigaProjectId: number;
  /** The latest `modified_date` seen: the next sync asks for items changed at or after it. */
  cursor: string | null;
  /** When the items were last listed in full (which finds deleted ones). */
  fullSyncAt: string | null;
  project: Omit<ProjectData, 'items'>;
}

/**
 * The reports' Redis copy of a project's Taiga items (one hash per kind: id → tracked item as JSON) and its
 * bookkeeping, and the API's rendered answers. Key names come from core's key module.
 */
export class ReportCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async meta(projectId: string): Promise<CacheMeta | null> {
    const raw = await this.redis.hget(this.keys.reportMeta(projectId), 'meta');
    return raw ? (JSON.parse(raw) as CacheMeta) : null;
  }

  async items(projectId: string): Promise<TrackedItem[]> {
    const hashes = await Promise.all(
      itemKinds.map((kind) => this.redis.hvals(this.keys.reportItems(projectId, kind))),
    );
    return hashes.flat().map((raw) => JSON.parse(raw) as TrackedItem);
  }

  /** `modified_date` of each cached item of a kind, by id: what tells a sync whose history to read again. */
  async modifiedDates(projectId: string, kind: ItemKind): Promise<Map<number, string>> {
    const all = await this.redis.hgetall(this.keys.reportItems(projectId, kind));
    return new Map(
      Object.entries(all).map(([id, raw]) => [Number(id), (JSON.parse(raw) as TrackedItem).modifiedAt]),
    );
  }

  /**
   * Writes a sync's result in one MULTI: changed items, removed items, then the meta with the new cursor, so a
   * crash leaves the old cursor and the next sync reads the same changes again.
   */
  async save(
    projectId: string,
    changes: {
      upsert: readonly TrackedItem[];
      remove: ReadonlyMap<ItemKind, readonly number[]>;
      reset: boolean;
    },
    meta: CacheMeta,
  ): Promise<void> {
    const multi = this.redis.multi();
    if (changes.reset) for (const kind of itemKinds) multi.del(this.keys.reportItems(projectId, kind));
    for (const kind of itemKinds) {
      const items = changes.upsert.filter((item) => item.kind === kind);
      if (items.length > 0) {
        multi.hset(
          this.keys.reportItems(projectId, kind),
          Object.fromEntries(items.map((item) => [String(item.id), JSON.stringify(item)])),
        );
      }
      const removed = changes.remove.get(kind) ?? [];
      if (removed.length > 0) multi.hdel(this.keys.reportItems(projectId, kind), ...removed.map(String));
    }
    multi.hset(this.keys.reportMeta(projectId), 'meta', JSON.stringify(meta));
    await multi.exec();
  }

  async output(projectId: string, hash: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.reportOutput(projectId, hash));
  }

  async saveOutput(projectId: string, hash: string, body: Buffer, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.reportOutput(projectId, hash), body, 'EX', ttlSeconds);
  }
}
