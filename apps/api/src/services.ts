import type { JobQueues, RunCommands, SpendLedger, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { SseHub } from './http/sse.js';
import type { ApiStore } from './store/api-store.js';
import type { IdempotencyRecords } from './store/idempotency-records.js';
import type { InboxReader } from './store/inbox-reader.js';
import type { ProjectTokens } from './store/project-tokens.js';
import type { ReplayRecords } from './store/replay-records.js';
import type { StepLogs } from './store/step-logs.js';
import type { Links } from './taiga/links.js';
import type { ProjectValidator, TaigaItemResolver } from './taiga/ports.js';

/** What the route handlers work with, built once by `createApp`. */
export interface ApiServices {
  logger: Logger;
  store: StateStore;
  apiStore: ApiStore;
  /** First answers of `POST /runs`, by idempotency key. */
  idempotency: IdempotencyRecords;
  tokens: ProjectTokens;
  logs: StepLogs;
  /** What runs' engines spent (the executor charges it). */
  spend: SpendLedger;
  /** The ingester's inbox, read-only. */
  inbox: InboxReader;
  /** Answers of inbox replays, by idempotency key. */
  replays: ReplayRecords;
  queues: JobQueues;
  /** Transitions with their effects dispatched (and dispatched again when a retried request is replayed). */
  commands: RunCommands;
  hub: SseHub;
  validator: ProjectValidator;
  resolver: TaigaItemResolver;
  links: Links;
  now: () => Date;
}
