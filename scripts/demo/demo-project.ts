import { resolve } from 'node:path';
import type { ProjectSpec } from '@tundra/core';
import { createStateStore } from '@tundra/core/server';
import type { Redis } from 'ioredis';

export interface DemoProjectInput {
  root: string;
  taigaProjectId: number;
  taigaProjectSlug: string;
  repository: string;
  /** The demo delivers by pull request to the forge sandbox when given; else it pushes to `repository`. */
  pullRequest?: { repo: string };
}

/**
 * The demo project: the sandbox's story planned from its tasks, the demo engine per step, a clean worktree as QA
 * checks, delivered by pull request to the forge sandbox (or pushed to a local repository).
 */
export function demoProjectSpec(input: DemoProjectInput): ProjectSpec {
  return {
    id: 'demo',
    name: 'Tundra demo',
    taiga: {
      projectId: input.taigaProjectId,
      projectSlug: input.taigaProjectSlug,
      webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO',
    },
    repository: {
      url: input.repository,
      baseBranch: 'main',
      pushRemote: input.pullRequest ? null : 'origin',
    },
    ...(input.pullRequest
      ? {
          delivery: {
            kind: 'pull-request' as const,
            forge: 'github' as const,
            repo: input.pullRequest.repo,
            tokenRef: 'TUNDRA_FORGE_TOKEN_DEMO',
            reviewers: ['alice'],
            labels: ['tundra'],
          },
        }
      : {}),
    trigger: { onBotAssignment: true, statusSlugs: [] },
    statusMapping: { preset: 'taiga-default' },
    planEngine: { kind: 'taiga-tasks' },
    execEngine: { kind: 'command', command: ['bash', resolve(input.root, 'scripts/demo-engine.sh')] },
    qaPolicy: { kind: 'command', command: ['git', 'diff', '--quiet', 'HEAD'] },
    waitForMerge: false,
    limits: { concurrentRuns: 2, stepTimeoutSeconds: 300, maxAttempts: 3 },
  };
}

/** Registers (or replaces) the demo project in the store. */
export async function registerDemoProject(redis: Redis, prefix: string, spec: ProjectSpec): Promise<void> {
  const store = createStateStore({ redis, prefix });
  const existing = await store.projects.get(spec.id);
  const saved = await store.projects.put(spec, existing?.version ?? 0);
  if (saved.kind !== 'saved')
    throw new Error(`could not register the demo project: version conflict at ${saved.currentVersion}`);
}
