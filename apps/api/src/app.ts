import {
  createStateStore,
  createTransitionCounter,
  EffectDispatcher,
  type JobQueues,
  mountOpsRoutes,
  type ReadinessCheck,
  RunCommands,
} from '@tundra/core/server';
import express, { type Express, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { authenticate } from './auth/authenticate.js';
import { ProjectTokens } from './auth/project-tokens.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { errorHandler } from './http/error-handler.js';
import { observeRequests } from './http/observe.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { type AnyRoute, defineRoute, registerRoutes } from './http/route.js';
import { SseHub } from './http/sse.js';
import { projectTokenRoutes } from './routes/project-tokens.js';
import { projectRoutes } from './routes/projects.js';
import { protocolActionRoutes } from './routes/protocol-actions.js';
import { protocolRoutes } from './routes/protocols.js';
import { startRunRoutes } from './routes/start-run.js';
import { stepActionRoutes } from './routes/step-actions.js';
import { stepRoutes } from './routes/steps.js';
import type { ApiServices } from './services.js';
import { ApiStore } from './store/api-store.js';
import { IdempotencyRecords, idempotencyTtlSeconds } from './store/idempotency-records.js';
import { createApiKeys } from './store/keys.js';
import { StepLogs } from './store/step-logs.js';
import { createLinks, type LinkOptions } from './taiga/links.js';
import type { ProjectValidator, TaigaItemResolver, TaigaTaskRefs } from './taiga/ports.js';

export const apiVersion = '1.0.0';

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  /** The store's connection; live tails duplicate it, one blocking connection per client. */
  redis: Redis;
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
}

export interface ApiApp {
  app: Express;
  /** Every `/api/v1` route, as declared (the OpenAPI document is built from them). */
  routes: readonly AnyRoute[];
  /** Ends the live tails; call before closing the server, which otherwise waits for them. */
  closeStreams(): void;
}

/** Builds the API's express app (it does not listen): ops routes at the root, the API under `/api/v1`. */
export function createApp(deps: ApiDeps): ApiApp {
  const now = deps.now ?? (() => new Date());
  const keys = createApiKeys(deps.prefix);
  const store = createStateStore({ redis: deps.redis, prefix: deps.prefix, now, idempotencyTtlSeconds });
  const hub = new SseHub({
    redis: deps.redis,
    logger: deps.logger,
    registry: deps.registry,
    heartbeatMs: deps.sseHeartbeatMs ?? 15_000,
  });
  const services: ApiServices = {
    logger: deps.logger,
    store,
    apiStore: new ApiStore(deps.redis, keys),
    keys,
    idempotency: new IdempotencyRecords(deps.redis),
    tokens: new ProjectTokens(deps.redis, keys, now),
    logs: new StepLogs(deps.redis, keys),
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
    ...protocolRoutes(services),
    ...startRunRoutes(services),
    ...protocolActionRoutes(services),
    ...stepRoutes(services),
    ...stepActionRoutes(services),
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
  v1.use(authenticate({ adminToken: deps.adminToken, projectTokens: services.tokens }));
  v1.use(express.json({ limit: '1mb' }));
  registerRoutes(v1, routes);
  v1.use((req) => {
    throw new ApiError(ApiErrorCode.NotFound, `no endpoint ${req.method} /api/v1${req.path}`, {
      method: req.method,
      path: req.path,
    });
  });

  const app = express();
  app.disable('x-powered-by');
  mountOpsRoutes(app, {
    app: 'api',
    registry: deps.registry,
    readiness: deps.readiness ?? (async () => ({ ready: true, checks: {} })),
  });
  app.use('/api/v1', observeRequests(deps.logger, deps.registry), v1);
  app.use(errorHandler(deps.logger));
  return { app, routes, closeStreams: () => hub.closeAll() };
}
