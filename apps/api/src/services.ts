import type { JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { ProjectTokens } from './auth/project-tokens.js';
import type { SseHub } from './http/sse.js';
import type { ApiStore } from './store/api-store.js';
import type { IdempotencyRecords } from './store/idempotency-records.js';
import type { ApiKeys } from './store/keys.js';
import type { StepLogs } from './store/step-logs.js';
import type { Links } from './taiga/links.js';
import type { ProjectValidator, TaigaItemResolver } from './taiga/ports.js';

/** What the route handlers work with, built once by `createApp`. */
export interface ApiServices {
  logger: Logger;
  store: StateStore;
  apiStore: ApiStore;
  /** The API's own key names (the core's, plus project tokens and start requests). */
  keys: ApiKeys;
  /** First answers of `POST /protocols`, by idempotency key. */
  idempotency: IdempotencyRecords;
  tokens: ProjectTokens;
  logs: StepLogs;
  queues: JobQueues;
  /** Transitions with their effects dispatched (and dispatched again when a retried request is replayed). */
  commands: RunCommands;
  hub: SseHub;
  validator: ProjectValidator;
  resolver: TaigaItemResolver;
  links: Links;
  now: () => Date;
}
