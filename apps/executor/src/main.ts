import { createRedis, redisTarget, runWorkerMain } from '@tundra/core/server';
import { createEngineRunner, engineBaseEnv, killRunningEngines } from '@tundra/engine';
import { forgeRemoteEnv } from '@tundra/forge';
import { createWorkspaceManager } from '@tundra/workspace';
import { executorConfigSchema, workspacesRoot } from './config.js';
import { StopSignalHub } from './control/stop-signal-hub.js';
import { createCleanupRunHandler } from './handlers/cleanup-run.js';
import { createExecuteStepHandler } from './handlers/execute-step.js';
import { EngineRecords } from './lease/engine-records.js';
import { createExecutorStore } from './store/executor-store.js';

// Engines are detached process groups: they would outlive an executor that exits, so take them down with it.
process.once('exit', () => killRunningEngines('SIGKILL'));

await runWorkerMain({
  app: 'executor',
  schema: executorConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_EXECUTOR_PORT,
  concurrency: (config) => config.TUNDRA_EXECUTOR_CONCURRENCY,
  createHandlers: async (deps, config) => {
    // A live owner notices a lost lease within a third of it, then gives its engine the kill grace: wait that long.
    const leftoverEngineTimeoutMs = config.TUNDRA_ENGINE_KILL_GRACE_MS + config.TUNDRA_STEP_LEASE_MS + 5_000;
    // Engines an executor killed on this host left running (its supervisor normally stops them first).
    const executorStore = createExecutorStore(deps.redis, deps.store.keys);
    for (const reaped of await new EngineRecords(executorStore.engines).reapOrphans(
      leftoverEngineTimeoutMs,
    )) {
      deps.logger.warn(
        { protocolRunId: reaped.runId, stepRunId: reaped.stepId, pgid: reaped.pgid, outcome: reaped.outcome },
        'an engine left by an executor that is gone was stopped',
      );
    }
    const subscriber = createRedis(redisTarget(config), deps.logger, 'executor-control');
    await subscriber.connect();
    const stops = new StopSignalHub(subscriber, deps.store.keys.controlChannel(), deps.logger);
    await stops.start();
    // Stopping waits for the jobs in flight; stopping their engines first hands the steps back at once
    // (`interrupted`) instead of holding the shutdown until every engine is done.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => stops.stopAll(`the executor received ${signal}`));
    }
    // Pull-request delivery: fetch and push with the project's forge token, given to each git process only.
    const remoteEnv = forgeRemoteEnv(process.env);
    const workspaces = createWorkspaceManager({
      root: workspacesRoot(config, process.cwd()),
      gitAuthor: { name: config.TUNDRA_GIT_AUTHOR_NAME, email: config.TUNDRA_GIT_AUTHOR_EMAIL },
      logger: deps.logger,
      remoteEnv,
    });
    const handler = createExecuteStepHandler({
      ...deps,
      executorStore,
      workspaces,
      remoteEnv,
      engine: createEngineRunner({
        registry: deps.registry,
        killGraceMs: config.TUNDRA_ENGINE_KILL_GRACE_MS,
      }),
      stops,
      config: {
        stepLeaseMs: config.TUNDRA_STEP_LEASE_MS,
        stepLogMaxLen: config.TUNDRA_STEP_LOG_MAX_LEN,
        slotWaitMs: config.TUNDRA_SLOT_WAIT_MS,
        engineEnv: engineBaseEnv(process.env),
        leftoverEngineTimeoutMs,
        ...(config.TUNDRA_ENGINE_PRICES ? { prices: config.TUNDRA_ENGINE_PRICES } : {}),
        contextMaxBytes: config.TUNDRA_CONTEXT_MAX_BYTES,
        conventionsFiles: config.TUNDRA_CONTEXT_CONVENTIONS_FILES,
      },
    });
    return {
      handlers: {
        'step.execute': handler,
        'run.cleanup': createCleanupRunHandler({ store: deps.store, workspaces }),
      },
      stop: async () => {
        await stops.close();
        await subscriber.quit();
      },
    };
  },
});
