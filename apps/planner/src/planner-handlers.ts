import { QueueName, TaigaItemWriter } from '@tundra/core';
import {
  currentJobContext,
  deliveryMetrics,
  type WorkerDeps,
  type WorkerHandlers,
} from '@tundra/core/server';
import { createEngineRunner, engineBaseEnv } from '@tundra/engine';
import { connectForge, createForgeMetrics } from '@tundra/forge';
import {
  createProjectMembers,
  createTaigaClient,
  taigaClientSettingsFromEnv,
  verifyProjectMapping,
} from '@tundra/taiga';
import { Counter, Histogram } from 'prom-client';
import type { PlannerConfig } from './config.js';
import type { BotUser } from './conversation/comment-reader.js';
import { createConversationMetrics } from './conversation/metrics.js';
import { deliverRun } from './delivery/deliver-run.js';
import { createPullRequestFeedbackHandler } from './delivery/review-loop.js';
import { createAdvanceRunHandler } from './handlers/advance-run.js';
import { createItemChangedHandler } from './handlers/item-changed.js';
import { createReconcileHandler } from './handlers/reconcile.js';
import { createReplanRunHandler } from './handlers/replan-run.js';
import { createStartRunHandler } from './handlers/start-run.js';
import { createAgentPlanEngine } from './plan-engines/agent-engine.js';
import { createChecklistEngine } from './plan-engines/checklist-engine.js';
import { createCommandEngine } from './plan-engines/command-engine.js';
import { createTaigaTasksEngine } from './plan-engines/taiga-tasks-engine.js';
import { StatusCache } from './taiga/status-cache.js';
import { goneAwarePort } from './write-back/gone-items.js';
import { createWriteBackHandler } from './write-back/write-back-handler.js';

/**
 * The planner's jobs: starting and planning runs, advancing them step by step, people's board moves, the Taiga
 * write-back and the reconciler, which it schedules. At start it checks every registered project's
 * status mapping against Taiga's live statuses and refuses to start on a mismatch.
 */
export async function createPlannerHandlers(
  deps: WorkerDeps,
  config: PlannerConfig,
  env: Record<string, string | undefined>,
): Promise<WorkerHandlers> {
  const { store, queues, commands, registry, logger } = deps;
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
  // A coding agent needs its API key and its own settings, as an exec engine does; a command gets PATH and HOME.
  const agent = {
    engines,
    timeoutMs: config.TUNDRA_PLAN_TIMEOUT_MS,
    baseEnv: engineBaseEnv(env),
    ...(config.TUNDRA_ENGINE_PRICES ? { prices: config.TUNDRA_ENGINE_PRICES } : {}),
    ledger: store.spend,
    now: () => new Date(),
    logger,
  };
  const planDeps = {
    store,
    commands,
    taiga,
    engines: {
      'taiga-tasks': createTaigaTasksEngine(taiga),
      checklist: createChecklistEngine(taiga),
      'claude-code': createAgentPlanEngine({ ...agent, kind: 'claude-code' }),
      codex: createAgentPlanEngine({ ...agent, kind: 'codex' }),
      command: createCommandEngine({
        engines,
        timeoutMs: config.TUNDRA_PLAN_TIMEOUT_MS,
        baseEnv: { PATH: env.PATH, HOME: env.HOME },
      }),
    },
    context: { maxBytes: config.TUNDRA_CONTEXT_MAX_BYTES, env },
  };
  let botUserLookup: Promise<BotUser> | null = null;
  const botUser = () => {
    // A failed lookup is not cached: the next call asks Taiga again.
    botUserLookup ??= taiga.me().then(
      (me) => ({ id: me.id, username: me.username }),
      (error: unknown) => {
        botUserLookup = null;
        throw error;
      },
    );
    return botUserLookup;
  };
  const botUserId = () => botUser().then((bot) => bot.id);
  // One writer for the write-back and the replies to comments: it keeps the version of Taiga's last answer per item.
  const writer = new TaigaItemWriter({ port: goneAwarePort(taiga) });
  const forgeMetrics = createForgeMetrics(registry);
  const delivery = {
    store,
    commands,
    taiga,
    taigaWebUrl: config.TUNDRA_TAIGA_WEB_URL ?? null,
    metrics: deliveryMetrics(registry),
    forgeFor: (settings: Parameters<typeof connectForge>[0]) =>
      connectForge(settings, {
        endpoints: { githubApiUrl: config.TUNDRA_GITHUB_API_URL, gitlabUrl: config.TUNDRA_GITLAB_URL },
        env,
        metrics: forgeMetrics,
        logger,
      }),
  };
  const writeBack = createWriteBackHandler({
    store,
    writer,
    taiga,
    statuses,
    writeBackLag: new Histogram({
      name: 'tundra_taiga_writeback_lag_seconds',
      help: 'Time from a Tundra transition to Taiga reflecting it: per comment (kind=comment), per write-back (kind=event).',
      labelNames: ['kind'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  });
  const handlers = {
    'run.start': createStartRunHandler({ ...planDeps, statuses, botUserId }),
    'run.replan': createReplanRunHandler(planDeps),
    'run.advance': createAdvanceRunHandler({
      store,
      commands,
      queues,
      deliver: (run, project, log) => deliverRun(delivery, run, project, log),
      stepRetry: {
        baseMs: config.TUNDRA_STEP_RETRY_BASE_DELAY_MS,
        maxMs: config.TUNDRA_STEP_RETRY_MAX_DELAY_MS,
      },
    }),
    'taiga.item_changed': createItemChangedHandler({
      store,
      commands,
      queues,
      statuses,
      taiga,
      members: createProjectMembers(taiga, { ttlMs: config.TUNDRA_TAIGA_MEMBERS_CACHE_MS }),
      botUser,
      writer,
      metrics: createConversationMetrics(registry),
    }),
    'pr.feedback': createPullRequestFeedbackHandler(delivery),
    'taiga.write_back': writeBack,
    // Jobs queued under the write-back's first name, before it was renamed.
    'taiga.sync': writeBack,
    reconcile: createReconcileHandler({
      store,
      queues,
      commands,
      taiga,
      statuses,
      botUserId,
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
