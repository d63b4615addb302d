import {
  createStateStore,
  EffectDispatcher,
  JobQueues,
  RunCommands,
  type StateStore,
} from '@tundra/core/server';
import type { TestRedis } from './test-redis.js';

/** The store, the job queues and RunCommands over a test Redis: transitions with their effects carried out. */
export function createRunFlow(redis: Pick<TestRedis, 'client' | 'prefix' | 'connect'>): {
  store: StateStore;
  queues: JobQueues;
  commands: RunCommands;
} {
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  const queues = new JobQueues(redis.connect(), redis.prefix);
  const commands = new RunCommands(
    store,
    new EffectDispatcher({ queues, redis: redis.client, keys: store.keys }),
  );
  return { store, queues, commands };
}
