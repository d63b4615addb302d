import { type TaigaItemRef, taigaItemKey } from '../contracts/taiga-item.js';
import type { StoreContext } from './store-options.js';

/** Whether Tundra follows a Taiga item: what the ingester asks before it lets an event on the item through. */
export class TrackedItems {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Whether the item is an active run's item, or (a task) one of a run's steps. With `commented`, an item that had
   * any run counts too: a command on the story of a run that has ended is answered, never dropped. Three reads in
   * one round trip, no record loaded.
   */
  async isTracked(
    projectId: string,
    item: Pick<TaigaItemRef, 'type' | 'id'>,
    options: { commented: boolean },
  ): Promise<boolean> {
    const { redis, keys } = this.ctx;
    const key = taigaItemKey(item);
    const [active, step, hadRun] = await Promise.all([
      redis.hexists(keys.activeItems(projectId), key),
      item.type === 'task' ? redis.hexists(keys.taskSteps(projectId), String(item.id)) : 0,
      options.commented ? redis.exists(keys.itemRuns(projectId, key)) : 0,
    ]);
    return active === 1 || step === 1 || hadRun === 1;
  }
}
