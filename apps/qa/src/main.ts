import { runWorkerMain } from '@tundra/core/server';
import { createEngineRunner } from '@tundra/engine';
import { createWorkspaceManager } from '@tundra/workspace';
import { Counter } from 'prom-client';
import { qaConfigSchema } from './config.js';
import { createCiResultHandler } from './handlers/ci-result.js';
import { createQaStepHandler } from './handlers/qa-step.js';
import { createRunChecks } from './run-checks.js';

await runWorkerMain({
  app: 'qa',
  schema: qaConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_QA_PORT,
  concurrency: (config) => config.TUNDRA_QA_CONCURRENCY,
  createHandlers: ({ store, commands, registry, logger }, config) => {
    const runChecks = createRunChecks({
      engines: createEngineRunner({ registry, killGraceMs: config.TUNDRA_ENGINE_KILL_GRACE_MS }),
      // QA only reads the executor's worktrees (same TUNDRA_WORKSPACES_DIR); it never commits.
      workspaces: createWorkspaceManager({
        root: config.TUNDRA_WORKSPACES_DIR,
        gitAuthor: { name: 'Tundra QA', email: 'qa@tundra.invalid' },
        logger,
      }),
      timeoutMs: config.TUNDRA_QA_TIMEOUT_MS,
      baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    return {
      handlers: {
        'step.qa': createQaStepHandler({
          store,
          commands,
          runChecks,
          autoQaAfterExec: config.TUNDRA_AUTO_QA_AFTER_EXEC,
        }),
        'ci.result': createCiResultHandler({
          store,
          commands,
          autoQaOnCi: config.TUNDRA_AUTO_QA_ON_CI,
          unmatched: new Counter({
            name: 'tundra_ci_results_unmatched_total',
            help: 'CI results for a branch no active run uses, by outcome.',
            labelNames: ['outcome'] as const,
            registers: [registry],
          }),
        }),
      },
    };
  },
});
