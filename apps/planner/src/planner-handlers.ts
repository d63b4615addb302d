import { QueueName } from '@tundra/core';
import { currentJobContext, RedisLock, type WorkerDeps, type WorkerHandlers } from '@tundra/core/server';
import { createEngineRunner } from '@tundra/engine';
import { createTaigaClient, taigaClientSettingsFromEnv, verifyProjectMapping } from '@tundra/taiga';
import { Counter, Histogram } from 'prom-client';
import type { PlannerConfig } from './config.js';
import { createAdvanceRunHandler } from './handlers/advance-run.js';
import { createItemChangedHandler } from './handlers/item-changed.js';
import { createReconcileHandler } from './handlers/reconcile.js';
import { createReplanRunHandler } from './handlers/replan-run.js';
import { createStartRunHandler } from './handlers/start-run.js';
import { createTaigaSyncHandler } from './outbox/taiga-sync.js';
import { createChecklistEngine } from './plan-engines/checklist-engine.js';
import { createCommandEngine } from './plan-engines/command-engine.js';
import { createTaigaTasksEngine } from './plan-engines/taiga-tasks-engine.js';
import { StatusCache } from './taiga/status-cache.js';

/**
 * The planner's jobs: starting and planning runs, advancing them step by step, people's board moves, the Taiga
 * write-back (outbox) and the reconciler, which it schedules. At start it checks every registered project's
 * status mapping against Taiga's live statuses and refuses to start on a mismatch.
 */
export async function createPlannerHandlers(
  deps: WorkerDeps,
  config: PlannerConfig,
  env: Record<string, string | undefined>,
): Promise<WorkerHandlers> {
  const { store, queues, commands, redis, registry, logger } = deps;
  const taiga = createTaigaClient({
    ...taigaClientSettingsFromEnv(env),
    registry,
    logger,
    context: currentJobContext,
  });
  const statuses = new StatusCache(taiga, config.TUNDRA_TAIGA_STATUS_CACHE_MS);
  if (config.TUNDRA_VERIFY_MAPPINGS_ON_START) {
    for (const project of await store.projects.list()) await verifyProjectMapping(taiga, project);
  }
  const engines = createEngineRunner({ registry, killGraceMs: config.TUNDRA_ENGINE_KILL_GRACE_MS });
  const planDeps = {
    store,
    commands,
    taiga,
    engines: {
      'taiga-tasks': createTaigaTasksEngine(taiga),
      checklist: createChecklistEngine(taiga),
      command: createCommandEngine({
        engines,
        timeoutMs: config.TUNDRA_PLAN_TIMEOUT_MS,
        baseEnv: { PATH: env.PATH, HOME: env.HOME },
      }),
    },
  };
  let botUserId: Promise<number> | null = null;
  const handlers = {
    'run.start': createStartRunHandler(planDeps),
    'run.replan': createReplanRunHandler(planDeps),
    'run.advance': createAdvanceRunHandler({
      store,
      commands,
      queues,
      stepRetry: {
        baseMs: config.TUNDRA_STEP_RETRY_BASE_DELAY_MS,
        maxMs: config.TUNDRA_STEP_RETRY_MAX_DELAY_MS,
      },
    }),
    'taiga.item_changed': createItemChangedHandler({ store, commands, statuses }),
    'taiga.sync': createTaigaSyncHandler({
      store,
      redis,
      lock: new RedisLock(redis),
      taiga,
      statuses,
      writebackLag: new Histogram({
        name: 'tundra_taiga_writeback_lag_seconds',
        help: 'Time from a Tundra transition to Taiga reflecting it.',
        labelNames: ['kind'] as const,
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
    }),
    reconcile: createReconcileHandler({
      store,
      redis,
      queues,
      commands,
      taiga,
      statuses,
      botUserId: () => {
        // A failed lookup is not cached: the next pass asks Taiga again.
        botUserId ??= taiga.me().then(
          (me) => me.id,
          (error: unknown) => {
            botUserId = null;
            throw error;
          },
        );
        return botUserId;
      },
      found: new Counter({
        name: 'tundra_reconciler_items_found_total',
        help: 'Work the reconciler found that webhooks or jobs missed, by project and kind.',
        labelNames: ['project', 'kind'] as const,
        registers: [registry],
      }),
      stuckGraceMs: config.TUNDRA_STUCK_GRACE_MS,
    }),
  };
  const reconcileQueue = queues.queue(QueueName.Reconcile);
  if (config.TUNDRA_RECONCILE_ENABLED) {
    // One scheduler for every planner process: BullMQ keeps one repeatable job per scheduler id.
    await reconcileQueue.upsertJobScheduler(
      'reconcile-all',
      { every: config.TUNDRA_RECONCILE_INTERVAL_MS },
      { name: 'reconcile', data: { projectId: null }, opts: queues.jobOptions('reconcile') },
    );
  } else {
    await reconcileQueue.removeJobScheduler('reconcile-all');
  }
  return { handlers };
}
