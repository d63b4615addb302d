import type { AddressInfo } from 'node:net';
import { NonRetryableError } from '@tundra/core';
import { type Logger, pino } from 'pino';
import { createSandboxApp } from './app.js';
import { type Fault, FaultInjector } from './http/faults.js';
import type { SandboxLatency } from './http/latency.js';
import type { SandboxCore } from './operations/core.js';
import { serializeContext } from './operations/core.js';
import type { Outcome } from './operations/failures.js';
import { createItem, deleteItem, patchItem } from './operations/items.js';
import {
  addSandboxMember,
  addSandboxUser,
  type NewSandboxMember,
  type NewSandboxUser,
  type SandboxMember,
} from './operations/members.js';
import { type DemoSeed, type SeededUser, type SeedOptions, seedDemo } from './operations/seed.js';
import { type HistorySeed, type HistorySeedOptions, seedHistory } from './operations/seed-history.js';
import { serializeIssueDetail } from './serializers/issue.js';
import { serializeTaskDetail } from './serializers/task.js';
import { serializeUserStoryDetail } from './serializers/userstory.js';
import { StateFile } from './state/state-file.js';
import { SandboxStore } from './state/store.js';
import { TokenRegistry } from './state/tokens.js';
import type { ItemKind, ItemRecord, UserRecord } from './state/types.js';
import { type DeliveryRecord, WebhookDispatcher } from './webhooks/dispatcher.js';

export interface TaigaSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Lifetime of access tokens; Taiga's default is 24 h. */
  tokenTtlSeconds?: number;
  /** Page size of lists without `page_size`; Taiga's is 30. */
  defaultPageSize?: number;
  /** Base URL of permalinks in webhooks and of pagination links, when the sandbox is reached through another address. */
  publicUrl?: string;
  /** Where the sandbox logs; silent by default. */
  logger?: Logger;
  /**
   * A file to keep the state in: read at start when it exists, written after every change (at most every 100 ms)
   * and at stop. Without one, everything is in memory and gone at stop.
   */
  stateFile?: string;
  /** How long API requests take (`realTaigaLatency` stands in for taiga-back 6.10.0); none by default. */
  latency?: SandboxLatency;
}

/** A request the sandbox refused, made through `actAs`: Taiga's status and body. */
export class SandboxRequestError extends NonRetryableError {
  readonly code = 'TAIGA_SANDBOX_REQUEST';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`the Taiga sandbox answered ${status}: ${JSON.stringify(body)}`);
  }
}

type Body = Record<string, unknown>;

/** Changes made as one user, through the same validation, history and webhooks as HTTP requests. */
export interface TaigaSandboxActor {
  createTask(body: Body): Promise<Body>;
  patchTask(id: number, body: Body): Promise<Body>;
  deleteTask(id: number): Promise<void>;
  createUserStory(body: Body): Promise<Body>;
  patchUserStory(id: number, body: Body): Promise<Body>;
  deleteUserStory(id: number): Promise<void>;
  createIssue(body: Body): Promise<Body>;
  patchIssue(id: number, body: Body): Promise<Body>;
}

export interface TaigaSandbox {
  /** `http://127.0.0.1:PORT`; the API is under `${url}/api/v1`. */
  url: string;
  seedDemo(options?: SeedOptions): Promise<DemoSeed>;
  /** A project with 90 days of realistic history from a fixed seed (stories, tasks, issues moving through statuses). */
  seedHistory(options?: HistorySeedOptions): Promise<HistorySeed>;
  /** The demo seed of a state file read at start (with its webhook as it is now), or null. */
  readonly restoredSeed: DemoSeed | null;
  /** Points a webhook at another URL and key (the receiver moved). */
  retargetWebhook(id: number, url: string, key: string): void;
  /** Every access token issued so far stops working (refresh tokens keep working). */
  expireTokens(): void;
  /** The next `count` matching API requests answer `status` with a Taiga-like body. */
  injectFaults(fault: Fault): void;
  actAs(username: string): TaigaSandboxActor;
  /** Every webhook POST made so far, oldest first. */
  webhookDeliveries(): readonly DeliveryRecord[];
  /** Registers a user (throws when the username is taken). */
  addUser(spec: NewSandboxUser): SeededUser;
  /** Makes a user a member of a project with a role (by slug), or changes its role and admin flag. */
  addMember(spec: NewSandboxMember): SandboxMember;
  stop(): Promise<void>;
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new SandboxRequestError(outcome.failure.status, outcome.failure.body);
  return outcome.value;
}

function actorApi(core: SandboxCore, user: UserRecord, changed: () => void): TaigaSandboxActor {
  const detail = (item: ItemRecord): Body => {
    const ctx = serializeContext(core, user.id);
    if (item.kind === 'task') return serializeTaskDetail(ctx, item);
    if (item.kind === 'userstory') return serializeUserStoryDetail(ctx, item);
    return serializeIssueDetail(ctx, item);
  };
  const after = <T>(outcome: Outcome<T>): T => {
    changed();
    return unwrap(outcome);
  };
  const create = async (kind: ItemKind, body: Body) =>
    detail(after(await createItem(core, user, kind, body)));
  const patch = async (kind: ItemKind, id: number, body: Body) =>
    detail(after(await patchItem(core, user, kind, id, body)).item);
  const remove = async (kind: ItemKind, id: number) => {
    after(await deleteItem(core, user, kind, id));
  };
  return {
    createTask: (body) => create('task', body),
    patchTask: (id, body) => patch('task', id, body),
    deleteTask: (id) => remove('task', id),
    createUserStory: (body) => create('userstory', body),
    patchUserStory: (id, body) => patch('userstory', id, body),
    deleteUserStory: (id) => remove('userstory', id),
    createIssue: (body) => create('issue', body),
    patchIssue: (id, body) => patch('issue', id, body),
  };
}

/** Starts a Taiga-compatible server in memory, listening on loopback. */
export async function startTaigaSandbox(options: TaigaSandboxOptions = {}): Promise<TaigaSandbox> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ level: 'silent' });
  const store = new SandboxStore();
  const faults = new FaultInjector();
  // The URL is known once listening; webhooks and seeds read it through this holder.
  const base = { url: '' };
  const frontUrl = () => options.publicUrl ?? base.url;
  const core: SandboxCore = {
    store,
    tokens: new TokenRegistry(options.tokenTtlSeconds ?? 24 * 3600),
    dispatcher: new WebhookDispatcher({ store, logger, frontUrl }),
    frontUrl,
    logger,
    now: () => new Date(),
  };
  let seed: DemoSeed | null = null;
  const stateFile = options.stateFile
    ? new StateFile(options.stateFile, () => ({
        version: 1,
        store: store.snapshot(),
        tokens: core.tokens.snapshot(),
        seed,
      }))
    : null;
  const saved = stateFile?.load() ?? null;
  if (saved) {
    store.restore(saved.store);
    core.tokens.restore(saved.tokens);
    seed = saved.seed;
    logger.info({ stateFile: options.stateFile }, 'Taiga sandbox state restored');
  }
  const restoredSeed = seed;
  const changed = () => stateFile?.changed();
  const control = {
    seedDemo: async (seedOptions?: SeedOptions) => {
      const made = await seedDemo(core, seedOptions);
      seed ??= made;
      changed();
      return made;
    },
    seedHistory: async (historyOptions?: HistorySeedOptions) => {
      const made = await seedHistory(core, historyOptions);
      changed();
      return made;
    },
    expireTokens: () => core.tokens.expireAccessTokens(),
    injectFaults: (fault: Fault) => faults.inject(fault),
    webhookDeliveries: () => core.dispatcher.deliveries(),
    addUser: (spec: NewSandboxUser) => {
      const user = addSandboxUser(core, spec);
      changed();
      return user;
    },
    addMember: (spec: NewSandboxMember) => {
      const member = addSandboxMember(core, spec);
      changed();
      return member;
    },
  };
  const app = createSandboxApp({
    core,
    faults,
    control,
    changed,
    ...(options.latency ? { latency: options.latency } : {}),
    pagination: { defaultPageSize: options.defaultPageSize ?? 30, publicUrl: options.publicUrl },
  });
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  base.url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url: base.url }, 'Taiga sandbox listening');

  return {
    url: base.url,
    ...control,
    restoredSeed,
    retargetWebhook(id, url, key) {
      const webhook = store.webhooks.get(id);
      if (!webhook) throw new Error(`the sandbox has no webhook ${id}`);
      store.webhooks.set(id, { ...webhook, url, key });
      if (seed?.webhook?.id === id) seed = { ...seed, webhook: { id, url, key } };
      changed();
    },
    actAs(username) {
      const user = store.userByUsername(username);
      if (!user) throw new Error(`the sandbox has no user ${username}`);
      return actorApi(core, user, changed);
    },
    stop: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      stateFile?.flush();
    },
  };
}
