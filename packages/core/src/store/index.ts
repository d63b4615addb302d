export * from './codes.js';
export * from './conversation-store.js';
export * from './define-script.js';
export * from './event-log.js';
export * from './key-slots.js';
export * from './keys.js';
export * from './lua-script.js';
export * from './project-repository.js';
export * from './reconciler-state.js';
export * from './run-store.js';
export * from './spend-ledger.js';
export * from './store-options.js';
export * from './tracked-items.js';
export * from './write-back-state.js';

import { ConversationStore } from './conversation-store.js';
import { EventLog } from './event-log.js';
import { ProjectRepository } from './project-repository.js';
import { ReconcilerState } from './reconciler-state.js';
import { RunStore } from './run-store.js';
import { SpendLedger } from './spend-ledger.js';
import { createStoreContext, type StoreOptions } from './store-options.js';
import { TrackedItems } from './tracked-items.js';
import { WriteBackState } from './write-back-state.js';

/** The state store: projects, runs and steps, and their event log, over one Redis connection. */
export function createStateStore(options: StoreOptions) {
  const ctx = createStoreContext(options);
  return {
    keys: ctx.keys,
    projects: new ProjectRepository(ctx),
    runs: new RunStore(ctx),
    events: new EventLog(ctx),
    writeBack: new WriteBackState(ctx),
    conversation: new ConversationStore(ctx),
    reconciler: new ReconcilerState(ctx),
    items: new TrackedItems(ctx),
    spend: new SpendLedger(ctx.redis, ctx.keys),
  } as const;
}
export type StateStore = ReturnType<typeof createStateStore>;
export * from './redis-client.js';
export * from './redis-lock.js';
export * from './script-loader.js';
