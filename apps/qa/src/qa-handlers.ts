import { deliveryOf } from '@tundra/core';
import { deliveryMetrics, type WorkerDeps, type WorkerHandlers } from '@tundra/core/server';
import { createEngineRunner } from '@tundra/engine';
import { connectForge, createForgeMetrics, forgeRemoteEnv } from '@tundra/forge';
import { createWorkspaceManager } from '@tundra/workspace';
import { Counter } from 'prom-client';
import type { QaConfig } from './config.js';
import { createCiResultHandler } from './handlers/ci-result.js';
import { withKnownVerdict } from './handlers/known-verdict.js';
import { createQaStepHandler, type RunChecks } from './handlers/qa-step.js';
import { createRunChecks } from './run-checks.js';
import { CiVerdictStore } from './store/ci-verdict-store.js';

export interface QaHandlerOptions {
  /** The `command` policy's checks; by default the project's command run in the run's worktree. */
  runChecks?: RunChecks;
  /** The environment checks start from. */
  env?: Record<string, string | undefined>;
}

/**
 * The QA app's jobs: `step.qa` (the project's QA policy decides an executed step) and `ci.result` (CI's verdict on
 * a run's branch). Built here rather than in `main.ts` so that tests run the same wiring against their own Redis.
 */
export function createQaHandlers(
  deps: WorkerDeps,
  config: QaConfig,
  options: QaHandlerOptions = {},
): WorkerHandlers {
  const { store, commands, queues, registry, logger } = deps;
  const env = options.env ?? {};
  const runChecks =
    options.runChecks ??
    createRunChecks({
      engines: createEngineRunner({ registry, killGraceMs: config.TUNDRA_ENGINE_KILL_GRACE_MS }),
      // QA only reads the executor's worktrees (same TUNDRA_WORKSPACES_DIR); it never commits.
      workspaces: createWorkspaceManager({
        root: config.TUNDRA_WORKSPACES_DIR,
        gitAuthor: { name: 'Tundra QA', email: 'qa@tundra.invalid' },
        logger,
        remoteEnv: forgeRemoteEnv(env),
      }),
      timeoutMs: config.TUNDRA_QA_TIMEOUT_MS,
      baseEnv: { PATH: env.PATH, HOME: env.HOME },
    });
  const autoQaOnCi = config.TUNDRA_AUTO_QA_ON_CI;
  // Written by `ci.result`, read by `step.qa`: a CI result that came before its step waited still decides it.
  const verdicts = new CiVerdictStore(deps.redis, store.keys);
  const delivery = deliveryMetrics(registry);
  const forgeMetrics = createForgeMetrics(registry);
  return {
    handlers: {
      'step.qa': withKnownVerdict(
        createQaStepHandler({
          store,
          commands,
          runChecks,
          autoQaAfterExec: config.TUNDRA_AUTO_QA_AFTER_EXEC,
        }),
        { store, commands, verdicts, autoQaOnCi },
      ),
      'ci.result': createCiResultHandler({
        store,
        commands,
        queues,
        verdicts,
        autoQaOnCi,
        unmatched: new Counter({
          name: 'tundra_ci_results_unmatched_total',
          help: 'CI results for a branch no active run uses, by outcome.',
          labelNames: ['outcome'] as const,
          registers: [registry],
        }),
        onPullRequestEnd: (before, event, after) => {
          const pr = before.pullRequest;
          if (!pr) return;
          delivery.pullRequests.inc({ forge: pr.forge, event: event === 'pr_merged' ? 'merged' : 'closed' });
          if (event === 'pr_merged') {
            const seconds = (Date.parse(after.updatedAt) - Date.parse(pr.openedAt)) / 1000;
            delivery.pullRequestToMerge.observe({ forge: pr.forge }, Math.max(0, seconds));
          }
        },
        deleteMergedBranch: async (project, branch) => {
          const settings = deliveryOf(project);
          if (settings.kind !== 'pull-request' || !settings.deleteBranch) return false;
          const forge = connectForge(settings, {
            endpoints: { githubApiUrl: config.TUNDRA_GITHUB_API_URL, gitlabUrl: config.TUNDRA_GITLAB_URL },
            env,
            metrics: forgeMetrics,
            logger,
          });
          return forge.deleteBranch(branch);
        },
      }),
    },
  };
}
