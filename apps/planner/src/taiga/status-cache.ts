import type { TaigaClient, TaigaTaskStatus, TaigaUserStoryStatus } from '@tundra/taiga';

interface ProjectStatuses {
  task: TaigaTaskStatus[];
  story: TaigaUserStoryStatus[];
  fetchedAt: number;
}

/**
 * A Taiga project's task and user story statuses, cached for `ttlMs`: they change when an admin edits the
 * project, rarely, and every write-back and board move needs them.
 */
export class StatusCache {
  private readonly cache = new Map<number, ProjectStatuses>();

  constructor(
    private readonly taiga: Pick<TaigaClient, 'listTaskStatuses' | 'listUserStoryStatuses'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(taigaProjectId: number): Promise<ProjectStatuses> {
    const cached = this.cache.get(taigaProjectId);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached;
    const [task, story] = await Promise.all([
      this.taiga.listTaskStatuses(taigaProjectId),
      this.taiga.listUserStoryStatuses(taigaProjectId),
    ]);
    const fresh = { task, story, fetchedAt: this.now() };
    this.cache.set(taigaProjectId, fresh);
    return fresh;
  }
}
