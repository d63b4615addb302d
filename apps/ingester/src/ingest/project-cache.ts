import type { Project } from '@tundra/core';

interface ProjectSource {
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
}

/**
 * Projects kept in memory for a few seconds: the hot path must not read Redis for its project on every webhook.
 * Concurrent misses share one load; a failed load is not cached. A new or changed project is seen within the TTL.
 */
export class ProjectCache {
  private readonly byId = new Map<string, Cached<Project | null>>();
  private all: Cached<Project[]> | null = null;

  constructor(
    private readonly source: ProjectSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<Project | null> {
    const hit = this.byId.get(id);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const value = this.source.get(id);
    this.byId.set(id, { value, expiresAt: this.now() + this.ttlMs });
    value.catch(() => this.byId.delete(id));
    return value;
  }

  list(): Promise<Project[]> {
    if (this.all && this.all.expiresAt > this.now()) return this.all.value;
    const value = this.source.list();
    this.all = { value, expiresAt: this.now() + this.ttlMs };
    value.catch(() => {
      this.all = null;
    });
    return value;
  }
}
