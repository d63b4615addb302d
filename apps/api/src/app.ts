import type { RedisClient } from '@tundra/core/server';
import {
  createKeys,
  createStateStore,
  createTransitionCounter,
  EffectDispatcher,
  type JobQueues,
  jsonBody,
  mountOpsRoutes,
  type RateLimitedLog,
  type ReadinessCheck,
  RunCommands,
  SpendLedger,
} from '@tundra/core/server';
import express, { type Express, Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { authenticate } from './auth/authenticate.js';
import { consoleApp } from './console/console-app.js';
import { ConsoleSessions } from './console/session.js';
import { ApiError, ApiErrorCode, codeOfStatus, redisUnavailable } from './errors.js';
import { errorHandler } from './http/error-handler.js';
import { observeRequests } from './http/observe.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { malformedPathParameter } from './http/path-params.js';
import { type AnyRoute, defineRoute, registerRoutes } from './http/route.js';
import { serveDeprecatedAliases } from './http/route-aliases.js';
import { SseHub } from './http/sse.js';
import { attentionRoutes } from './routes/attention.js';
import { type InboxReplay, inboxRoutes } from './routes/inbox.js';
import { projectTokenRoutes } from './routes/project-tokens.js';
import { projectRoutes } from './routes/projects.js';
import { type ApiReports, reportRoutes } from './routes/reports.js';
import { runActionRoutes } from './routes/run-actions.js';
import { runCommentRoutes } from './routes/run-comments.js';
import { runRoutes } from './routes/runs.js';
import { startRunRoutes } from './routes/start-run.js';
import { stepActionRoutes } from './routes/step-actions.js';
import { stepRoutes } from './routes/steps.js';
import { taigaWebhookRoutes } from './routes/taiga-webhook.js';
import type { ApiServices } from './services.js';
import { ApiStore } from './store/api-store.js';
import { IdempotencyRecords, idempotencyTtlSeconds } from './store/idempotency-records.js';
import { InboxReader } from './store/inbox-reader.js';
import { ProjectTokens } from './store/project-tokens.js';
import { RedisHealth } from './store/redis-health.js';
import { ReplayRecords } from './store/replay-records.js';
import { StepLogs } from './store/step-logs.js';
import { StreamTails } from './store/stream-tails.js';
import { createLinks, type LinkOptions } from './taiga/links.js';
import type { ProjectValidator, TaigaItemResolver, TaigaTaskRefs, TaigaWebhooks } from './taiga/ports.js';

export const apiVersion = '1.0.0';

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  /** The store's connection; live tails duplicate it, one blocking connection per client. */
  redis: RedisClient;
  prefix: string;
  queues: JobQueues;
  /** TUNDRA_API_TOKEN: the admin token. */
  adminToken: string;
  validator: ProjectValidator;
  resolver: TaigaItemResolver;
  /** Task refs for the web links of steps. */
  taskRefs: TaigaTaskRefs;
  links?: LinkOptions;
  readiness?: ReadinessCheck;
  now?: () => Date;
  /** Longest silence on a live tail before a heartbeat comment (15 s by default). */
  sseHeartbeatMs?: number;
  /** The longest pause between two pieces of a request body before 408 (TUNDRA_HTTP_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /** Where refusals anyone can cause (401) are logged, once per interval with a count. */
  rejectionLog: RateLimitedLog;
  /** The report routes, when the server made a report service. */
  reports?: ApiReports;
  /** The project's webhook in Taiga (the `taiga-webhook` routes), when the server made one. */
  webhooks?: TaigaWebhooks;
  /** Hands an inbox replay to the ingester (TUNDRA_INGESTER_URL); replays answer 502 without it. */
  inboxReplay?: InboxReplay;
  /** Taiga's web front (TUNDRA_TAIGA_WEB_URL), for the console's links to projects. */
  taigaWebUrl?: string | null;
}

/** The largest request body: a project's settings are a few kilobytes. */
export const maxBodyBytes = 1_048_576;

export interface ApiApp {
  app: Express;
  /** Every `/api/v1` route, as declared (the OpenAPI document is built from them). */
  routes: readonly AnyRoute[];
  /** Ends the live tails; call before closing the server, which otherwise waits for them. */
  closeStreams(): void;
}

/** The API's error shape for a request Node refused before the app saw it (see `createHttpServer`). */
export function apiErrorBody(status: number, reason: string, message: string) {
  return { error: { code: codeOfStatus(status), message, details: { reason } } };
}

/** Builds the API's express app (it does not listen): ops routes at the root, the API under `/api/v1`. */
export function createApp(deps: ApiDeps): ApiApp {
  const now = deps.now ?? (() => new Date());
  const keys = createKeys(deps.prefix);
  const store = createStateStore({ redis: deps.redis, prefix: deps.prefix, now, idempotencyTtlSeconds });
  const health = new RedisHealth(deps.redis);
  const hub = new SseHub({
    tails: new StreamTails(deps.redis, keys),
    logger: deps.logger,
    registry: deps.registry,
    heartbeatMs: deps.sseHeartbeatMs ?? 15_000,
  });
  const services: ApiServices = {
    logger: deps.logger,
    store,
    apiStore: new ApiStore(deps.redis, keys),
    idempotency: new IdempotencyRecords(deps.redis, keys),
    tokens: new ProjectTokens(deps.redis, keys, now),
    logs: new StepLogs(deps.redis, keys),
    spend: new SpendLedger(deps.redis, store.keys),
    inbox: new InboxReader(deps.redis, keys),
    replays: new ReplayRecords(deps.redis, keys),
    queues: deps.queues,
    commands: new RunCommands(
      store,
      new EffectDispatcher({ queues: deps.queues, redis: deps.redis, keys: store.keys }),
      createTransitionCounter(deps.registry),
    ),
    hub,
    validator: deps.validator,
    resolver: deps.resolver,
    links: createLinks({
      options: deps.links ?? { webUrl: null, apiUrl: null },
      taskRefs: deps.taskRefs,
      logger: deps.logger,
    }),
    now,
  };
  const routes: AnyRoute[] = [
    ...projectRoutes(services),
    ...projectTokenRoutes(services),
    ...runRoutes(services),
    ...runCommentRoutes(services),
    ...attentionRoutes(services),
    ...inboxRoutes(services, deps.inboxReplay ?? null),
    ...startRunRoutes(services),
    ...runActionRoutes(services),
    ...stepRoutes(services),
    ...stepActionRoutes(services),
    ...(deps.reports ? reportRoutes(services, deps.reports) : []),
    ...(deps.webhooks ? taigaWebhookRoutes(services, deps.webhooks) : []),
  ];
  const openApiRoute = defineRoute({
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI document',
    responses: { 200: { description: 'The OpenAPI 3.1 document' } },
    handler: async () => ({ status: 200, body: document }),
  });
  routes.push(openApiRoute);
  const document = buildOpenApiDocument(routes, apiVersion);

  const v1 = Router();
  v1.use(serveDeprecatedAliases('/api/v1'));
  // While Redis is down every route would fail or wait for the reconnect: answer 503 at once instead.
  v1.use((_req, _res, next) => next(health.ready() ? undefined : redisUnavailable()));
  const sessions = new ConsoleSessions(deps.adminToken);
  v1.use(authenticate({ adminToken: deps.adminToken, projectTokens: services.tokens, sessions, now }));
  v1.use((req, _res, next) => {
    const parameter = malformedPathParameter(routes, req.path);
    if (parameter === null) return next();
    throw new ApiError(
      ApiErrorCode.ValidationFailed,
      `invalid request: params.${parameter}: not valid percent-encoding`,
      { issues: [{ location: 'params', path: parameter, message: 'not valid percent-encoding' }] },
    );
  });
  v1.use(jsonBody({ limitBytes: maxBodyBytes, timeoutMs: deps.bodyTimeoutMs }));
  registerRoutes(v1, routes);

  const app = express();
  app.disable('x-powered-by');
  mountOpsRoutes(app, {
    app: 'api',
    registry: deps.registry,
    readiness: deps.readiness ?? (async () => ({ ready: true, checks: {} })),
  });
  app.use('/api/v1', observeRequests(deps.logger, deps.registry, deps.rejectionLog), v1);
  app.use(
    '/console',
    consoleApp({
      adminToken: deps.adminToken,
      sessions,
      projectTokens: services.tokens,
      queues: deps.queues,
      registry: deps.registry,
      taigaWebUrl: deps.taigaWebUrl ?? deps.links?.webUrl ?? null,
      now,
    }),
  );
  // Every path no route answers, inside /api/v1 or not, is a JSON 404 like any other error.
  app.use((req) => {
    throw new ApiError(ApiErrorCode.NotFound, `no endpoint ${req.method} ${req.path}`, {
      method: req.method,
      path: req.path,
    });
  });
  app.use(errorHandler(deps.logger, health, { limitBytes: maxBodyBytes, timeoutMs: deps.bodyTimeoutMs }));
  return { app, routes, closeStreams: () => hub.closeAll() };
}
