import { RedisLock } from './redis-lock.js';
import type { StoreContext } from './store-options.js';

/**
 * The write-back's bookkeeping per run: the cursor (the last run-stream event reflected in Taiga) and the pending
 * flag that makes a busy write-back go round again instead of a job waiting for its lock.
 */
export class WriteBackState {
  private readonly lock: RedisLock;

  constructor(private readonly ctx: StoreContext) {
    this.lock = new RedisLock(ctx.redis);
  }

  /** Takes the run's write-back lock for `ttlMs`: its token, or null while another write-back holds it. */
  acquireLock(runId: string, ttlMs: number): Promise<string | null> {
    return this.lock.acquire(this.ctx.keys.writeBackLock(runId), ttlMs);
  }

  async releaseLock(runId: string, token: string): Promise<void> {
    await this.lock.unlock(this.ctx.keys.writeBackLock(runId), token);
  }

  /** The last event reflected in Taiga, or null before the first. */
  async cursor(runId: string): Promise<string | null> {
    return this.ctx.redis.get(this.ctx.keys.writeBackCursor(runId));
  }

  async advance(runId: string, eventId: string): Promise<void> {
    await this.ctx.redis.set(this.ctx.keys.writeBackCursor(runId), eventId);
  }

  /**
   * Says the run has events to reflect (with `refresh`, every item to write again); whoever holds the run's
   * write-back sees it before letting go.
   */
  async markPending(runId: string, options: { refresh?: boolean } = {}): Promise<void> {
    const { keys, redis } = this.ctx;
    if (options.refresh) await redis.set(keys.writeBackRefresh(runId), '1');
    await redis.set(keys.writeBackPending(runId), '1');
  }

  async isPending(runId: string): Promise<boolean> {
    return (await this.ctx.redis.exists(this.ctx.keys.writeBackPending(runId))) === 1;
  }

  /** Takes the flags: what was asked for since the last take, or null for nothing. */
  async takePending(runId: string): Promise<{ refresh: boolean } | null> {
    const { keys, redis } = this.ctx;
    const replies =
      (await redis.multi().del(keys.writeBackPending(runId)).del(keys.writeBackRefresh(runId)).exec()) ?? [];
    const [pending, refresh] = replies.map(([error, count]) => {
      if (error) throw error;
      return count === 1;
    });
    return pending || refresh ? { refresh: refresh === true } : null;
  }
}
