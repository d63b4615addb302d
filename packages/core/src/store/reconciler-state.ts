import type { StoreContext } from './store-options.js';

/** The reconciler's bookkeeping per project: where its last pass over the board moves started. */
export class ReconcilerState {
  constructor(private readonly ctx: StoreContext) {}

  /** When the last complete pass over the project's board moves started (ms since epoch), or null before one. */
  async movesSince(projectId: string): Promise<number | null> {
    const raw = await this.ctx.redis.get(this.ctx.keys.reconcileMovesSince(projectId));
    return raw === null ? null : Number(raw);
  }

  async setMovesSince(projectId: string, startedAt: number): Promise<void> {
    await this.ctx.redis.set(this.ctx.keys.reconcileMovesSince(projectId), String(startedAt));
  }
}
