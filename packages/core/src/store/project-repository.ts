import { Project, type ProjectSpec } from '../contracts/project.js';
import { ScriptCode } from './codes.js';
import { decodeRecord, encodeFields } from './record-codec.js';
import type { StoreContext } from './store-options.js';

export type PutProjectResult =
  | { kind: 'saved'; project: Project }
  | { kind: 'conflict'; currentVersion: number };

/**
 * Projects in Redis: one hash each, versioned, in the project's slot; listed in a zset by creation time, which may
 * name a project whose record is gone (see `put`), so every reader of the list skips those.
 */
export class ProjectRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Creates (`expectedVersion` 0) or replaces a project as a compare-and-set on its version, so two operators
   * editing the same project cannot overwrite each other silently.
   */
  async put(spec: ProjectSpec, expectedVersion: number): Promise<PutProjectResult> {
    const { keys, redis, scripts } = this.ctx;
    const now = this.ctx.now();
    const existing = expectedVersion === 0 ? null : await this.get(spec.id);
    const fields = encodeFields({
      ...spec,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    });
    // Listed before it exists (the list is in another slot, so not in the script): a crash in between leaves a
    // listed id with no record, which `list` skips, never a project that is not listed. NX keeps the creation time.
    if (expectedVersion === 0) await redis.zadd(keys.projects(), 'NX', now.getTime(), spec.id);
    const reply = await scripts.putProject.run(
      redis,
      [keys.project(spec.id)],
      [expectedVersion, JSON.stringify(fields)],
    );
    if (reply[0] !== ScriptCode.Ok) return { kind: 'conflict', currentVersion: Number(reply[2]) };
    await this.changed();
    const saved = await this.get(spec.id);
    if (!saved) throw new Error(`project ${spec.id} vanished right after it was saved`);
    return { kind: 'saved', project: saved };
  }

  /** How many times projects were created, changed or deleted: it moves after each such write is done. */
  async changes(): Promise<number> {
    return Number((await this.ctx.redis.get(this.ctx.keys.projectsChanged())) ?? 0);
  }

  /** Bumps the change counter, after the write it stands for (a reader that sees it moved finds the write). */
  async changed(): Promise<void> {
    await this.ctx.redis.incr(this.ctx.keys.projectsChanged());
  }

  async get(id: string): Promise<Project | null> {
    const hash = await this.ctx.redis.hgetall(this.ctx.keys.project(id));
    return Object.keys(hash).length === 0 ? null : decodeRecord(Project, 'project', hash);
  }

  async list(): Promise<Project[]> {
    const ids = await this.ctx.redis.zrange(this.ctx.keys.projects(), 0, -1);
    const projects = await Promise.all(ids.map((id) => this.get(id)));
    return projects.filter((project): project is Project => project !== null);
  }
}
