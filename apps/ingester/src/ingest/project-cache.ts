import type { Project } from '@tundra/core';

interface ProjectSource {
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
}

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
}

/**
 * Projects kept in memory for a few seconds: the hot path must not read Redis for its project on every webhook.
 * Concurrent misses share one load; a failed load is not cached. A changed project is seen within the TTL. A miss
 * (no such project, no project using a repository) is looked up again once the answer is a second old: a project
 * gets its first webhooks within seconds of being made (a forge's, Taiga's), and a miss cached for the whole TTL
 * routed them nowhere.
 */
export class ProjectCache {
  private readonly byId = new Map<string, Cached<Project | null>>();
  private all: Cached<Project[]> | null = null;

  constructor(
    private readonly source: ProjectSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly missRecheckMs = Math.min(1_000, ttlMs),
  ) {}

  async get(id: string): Promise<Project | null> {
    const hit = this.byId.get(id);
    if (hit && this.fresh(hit, this.ttlMs)) {
      const project = await hit.value;
      if (project !== null || this.fresh(hit, this.missRecheckMs)) return project;
    }
    const value = this.source.get(id);
    this.byId.set(id, { value, loadedAt: this.now() });
    value.catch(() => this.byId.delete(id));
    return value;
  }

  list(): Promise<Project[]> {
    if (this.all && this.fresh(this.all, this.ttlMs)) return this.all.value;
    return this.reload();
  }

  /** After a miss in `list()`: the list again, if the one held is older than the miss re-check. */
  listAfterMiss(): Promise<Project[]> {
    if (this.all && this.fresh(this.all, this.missRecheckMs)) return this.all.value;
    return this.reload();
  }

  private reload(): Promise<Project[]> {
    const value = this.source.list();
    this.all = { value, loadedAt: this.now() };
    value.catch(() => {
      this.all = null;
    });
    return value;
  }

  private fresh(cached: Cached<unknown>, ageMs: number): boolean {
    return this.now() - cached.loadedAt < ageMs;
  }
}
