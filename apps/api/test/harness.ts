import type { Server } from 'node:http';
import type { PlannedStep, ProjectSpec, ProtocolRun, StepRun } from '@tundra/core';
import {
  closeServer,
  createHttpServer,
  createKeys,
  createStateStore,
  type HttpTimeouts,
  JobQueues,
  type Keys,
  listen,
  RateLimitedLog,
  type StateStore,
} from '@tundra/core/server';
import { createTaigaClient } from '@tundra/taiga';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  buildTaigaItem,
  createTestRedis,
  type TestRedis,
  testActor,
} from '@tundra/testkit';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { type ApiApp, apiErrorBody, createApp } from '../src/app.js';
import { apiReports } from '../src/reports/api-reports.js';
import {
  createTaigaItemResolver,
  createTaigaProjectValidator,
  createTaigaTaskRefs,
} from '../src/taiga/taiga-adapters.js';
import { createTaigaWebhooks, type TaigaWebhookSettings } from '../src/taiga/taiga-webhooks.js';

export const adminToken = 'admin-token-for-tests-0123456789';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  /** Bearer token; the admin token unless `null` (none) or a project token is given. */
  token?: string | null;
  projectToken?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The API over real HTTP on a free port, a real Redis, and the Taiga sandbox behind the real Taiga client. */
export interface ApiHarness {
  url: string;
  redis: TestRedis;
  store: StateStore;
  queues: JobQueues;
  keys: Keys;
  taiga: TaigaSandbox;
  seed: DemoSeed;
  api: ApiApp;
  registry: Registry;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** A project stored directly (no Taiga check), for tests about runs. */
  putProject(overrides?: Partial<ProjectSpec>): Promise<void>;
  /** A project token made through the API. */
  projectToken(projectId: string, name?: string): Promise<string>;
  /**
   * A run driven through the store to `running` with `steps` pending steps; step i's Taiga task is `taskIds[i]`
   * (500 + i, a task the sandbox does not have, unless given). With `approved: false` it stays `planned`, as a run
   * whose plan waits for approval does.
   */
  runningRun(
    projectId: string,
    steps?: number,
    options?: { taskIds?: number[]; approved?: boolean },
  ): Promise<{ run: ProtocolRun; steps: StepRun[] }>;
  stop(): Promise<void>;
}

let tokenCount = 0;

/** An ingester at http://127.0.0.1:9, where nothing listens, and `demo-key` in TUNDRA_WEBHOOK_KEY_DEMO. */
export const defaultWebhookSettings: TaigaWebhookSettings = {
  ingesterPublicUrl: 'http://127.0.0.1:9',
  webhookKey: (ref) => (ref === 'TUNDRA_WEBHOOK_KEY_DEMO' ? 'demo-key' : undefined),
};

export interface HarnessOptions {
  /** The webhook settings of the `taiga-webhook` routes (`defaultWebhookSettings` unless given). */
  webhooks?: TaigaWebhookSettings;
  sseHeartbeatMs?: number;
  /** The HTTP server's timeouts; generous defaults. */
  http?: Partial<HttpTimeouts>;
  logger?: Logger;
  rejectionLogIntervalMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const redis = await createTestRedis();
  const taiga = await startTaigaSandbox();
  const seed = await taiga.seedDemo();
  const client = createTaigaClient({
    baseUrl: taiga.url,
    username: seed.users.bot.username,
    password: seed.users.bot.password,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, maxTotalMs: 1_000 },
    conflictRetries: 0,
  });
  const queues = new JobQueues(redis.client, redis.prefix);
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = new Registry();
  const timeouts: HttpTimeouts = {
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    ...options.http,
  };
  const rejectionLog = new RateLimitedLog(logger, options.rejectionLogIntervalMs ?? 60_000);
  const api = createApp({
    logger,
    registry,
    redis: redis.client,
    prefix: redis.prefix,
    queues,
    adminToken,
    validator: createTaigaProjectValidator(client),
    resolver: createTaigaItemResolver(client),
    taskRefs: createTaigaTaskRefs(client),
    links: { webUrl: 'https://taiga.example.com', apiUrl: `${taiga.url}/api/v1` },
    sseHeartbeatMs: options.sseHeartbeatMs,
    webhooks: createTaigaWebhooks(client, options.webhooks ?? defaultWebhookSettings),
    reports: apiReports({
      redis: redis.client,
      queues,
      taiga: client,
      registry: new Registry(),
      logger: pino({ level: 'silent' }),
      prefix: redis.prefix,
      cacheTtlSeconds: 60,
    }),
    bodyTimeoutMs: timeouts.bodyTimeoutMs,
    rejectionLog,
  });
  const server: Server = createHttpServer(api.app, {
    timeouts,
    registry,
    log: rejectionLog,
    errorBody: apiErrorBody,
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;

  const harness: ApiHarness = {
    url,
    redis,
    store,
    queues,
    keys: createKeys(redis.prefix),
    taiga,
    seed,
    api,
    registry,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.projectToken !== undefined) headers['x-project-token'] = opts.projectToken;
      else if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? adminToken}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}/api/v1${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    },
    async putProject(overrides = {}) {
      const saved = await store.projects.put(buildProjectSpec(overrides), 0);
      if (saved.kind !== 'saved') throw new Error('project exists');
    },
    async projectToken(projectId, name = `t${++tokenCount}`) {
      const created = await harness.request('POST', `/projects/${projectId}/tokens`, { body: { name } });
      if (created.status !== 201) throw new Error(`token: ${JSON.stringify(created.body)}`);
      return created.body.token as string;
    },
    async runningRun(projectId, stepCount = 2, options = {}) {
      const created = await store.runs.createRun({
        projectId,
        taigaItem: buildTaigaItem(),
        title: 'Add a login page',
        correlationId: 'corr-test',
        actor: testActor,
      });
      if (created.kind !== 'created') throw new Error('run exists');
      const id = created.run.id;
      await store.runs.transitionRun(id, 'plan_started', { actor: testActor });
      const steps: PlannedStep[] = Array.from({ length: stepCount }, (_, i) => ({
        title: `step ${i}`,
        instructions: `do ${i}`,
        taigaTaskId: options.taskIds?.[i] ?? 500 + i,
      }));
      await store.runs.storePlan(id, { engine: 'taiga-tasks', steps }, { actor: testActor });
      await store.runs.transitionRun(id, 'plan_ready', { actor: testActor });
      if (options.approved !== false) await store.runs.transitionRun(id, 'run_started', { actor: testActor });
      return { run: (await store.runs.getRun(id))!, steps: await store.runs.listSteps(id) };
    },
    async stop() {
      api.closeStreams();
      await closeServer(server);
      await queues.close();
      await taiga.stop();
      await redis.stop();
    },
  };
  return harness;
}

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/** A live SSE connection: take the next events as they come, see the raw comments, close. */
export interface SseClient {
  status: number;
  contentType: string | null;
  take(count: number): Promise<SseEvent[]>;
  /** Reads until a comment line satisfying `predicate` arrives. */
  comment(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves once the server ends the stream. */
  ended(): Promise<void>;
  close(): Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  let done = false;
  const pump = async () => {
    const chunk = await reader.read();
    if (chunk.done) {
      done = true;
      return;
    }
    buffer += chunk.value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of lines) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.includes(': '))
          fields[line.slice(0, line.indexOf(': '))] = line.slice(line.indexOf(': ') + 2);
      }
      if (fields.data !== undefined) {
        events.push({ id: fields.id ?? '', event: fields.event ?? 'message', data: JSON.parse(fields.data) });
      }
    }
  };
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    async take(count) {
      while (events.length < count && !done) await pump();
      return events.splice(0, count);
    },
    async comment(predicate) {
      for (;;) {
        const seen = comments.find(predicate);
        if (seen !== undefined) return seen;
        if (done) throw new Error('the stream ended first');
        await pump();
      }
    },
    async ended() {
      while (!done) await pump();
    },
    async close() {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
