import type { Project } from '@tundra/core';

interface ProjectSource {
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
  /** A counter that moves after every project write (create, change, delete). */
  changes(): Promise<number>;
}

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
  /** The source's change counter, read before the value: a write after it moves the counter past this. */
  changes: Promise<number>;
}

/**
 * Projects kept in memory for a few seconds: the hot path must not read Redis for its project on every webhook.
 * Concurrent misses share one load; a failed load is not cached. A changed project is seen within the TTL. A miss
 * (no such project, no project using a repository) is checked against the source's change counter, one GET: a
 * project gets its first webhooks within seconds of being made (a forge's, Taiga's), and a miss answered from a
 * list loaded before it was made would route them nowhere.
 */
export class ProjectCache {
  private readonly byId = new Map<string, Cached<Project | null>>();
  private all: Cached<Project[]> | null = null;

  constructor(
    private readonly source: ProjectSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Project | null> {
    const hit = this.byId.get(id);
    if (hit && this.fresh(hit)) {
      const project = await hit.value;
      if (project !== null || !(await this.changedSince(hit))) return project;
    }
    const loaded = this.load(() => this.source.get(id));
    this.byId.set(id, loaded);
    loaded.value.catch(() => this.byId.delete(id));
    return loaded.value;
  }

  list(): Promise<Project[]> {
    if (this.all && this.fresh(this.all)) return this.all.value;
    return this.reload();
  }

  /** After a miss in `list()`: the list again, if a project was written since the one held was loaded. */
  async listAfterMiss(): Promise<Project[]> {
    const held = this.all;
    if (held && this.fresh(held) && !(await this.changedSince(held))) return held.value;
    // Concurrent misses share the first one's reload.
    return this.all !== held && this.all ? this.all.value : this.reload();
  }

  private reload(): Promise<Project[]> {
    const loaded = this.load(() => this.source.list());
    this.all = loaded;
    loaded.value.catch(() => {
      if (this.all === loaded) this.all = null;
    });
    return loaded.value;
  }

  private load<T>(read: () => Promise<T>): Cached<T> {
    const changes = this.source.changes();
    // Read after the counter: a write the value misses has moved the counter past what is kept.
    const value = changes.then(read);
    changes.catch(() => undefined);
    return { value, loadedAt: this.now(), changes };
  }

  private async changedSince(cached: Cached<unknown>): Promise<boolean> {
    const [then, now] = await Promise.all([cached.changes, this.source.changes()]);
    return now !== then;
  }

  private fresh(cached: Cached<unknown>): boolean {
    return this.now() - cached.loadedAt < this.ttlMs;
  }
}
