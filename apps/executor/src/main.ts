import { createRedis, runWorkerMain } from '@tundra/core/server';
import { createEngineRunner, killRunningEngines } from '@tundra/engine';
import { createWorkspaceManager } from '@tundra/workspace';
import { engineBaseEnv, executorConfigSchema, workspacesRoot } from './config.js';
import { StopSignalHub } from './control/stop-signal-hub.js';
import { createCleanupRunHandler } from './handlers/cleanup-run.js';
import { createExecuteStepHandler } from './handlers/execute-step.js';

// Engines are detached process groups: they would outlive an executor that exits, so take them down with it.
process.once('exit', () => killRunningEngines('SIGKILL'));

await runWorkerMain({
  app: 'executor',
  schema: executorConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_EXECUTOR_PORT,
  concurrency: (config) => config.TUNDRA_EXECUTOR_CONCURRENCY,
  createHandlers: async (deps, config) => {
    const subscriber = createRedis(config.REDIS_URL, deps.logger, 'executor-control');
    await subscriber.connect();
    const stops = new StopSignalHub(subscriber, deps.store.keys.controlChannel(), deps.logger);
    await stops.start();
    // Stopping waits for the jobs in flight; stopping their engines first hands the steps back at once
    // (`interrupted`) instead of holding the shutdown until every engine is done.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => stops.stopAll(`the executor received ${signal}`));
    }
    const workspaces = createWorkspaceManager({
      root: workspacesRoot(config, process.cwd()),
      gitAuthor: { name: config.TUNDRA_GIT_AUTHOR_NAME, email: config.TUNDRA_GIT_AUTHOR_EMAIL },
      logger: deps.logger,
    });
    const handler = createExecuteStepHandler({
      ...deps,
      workspaces,
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
