import type { Actor, ProjectSpec, TaigaItemRef } from '@tundra/core';

/** A valid project spec; override what the test is about. */
export function buildProjectSpec(overrides: Partial<ProjectSpec> = {}): ProjectSpec {
  return {
    id: 'demo',
    name: 'Demo project',
    taiga: { projectId: 1, projectSlug: 'demo', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO' },
    repository: { url: '/tmp/demo.git', baseBranch: 'main', pushRemote: null },
    trigger: { onBotAssignment: true, statusSlugs: [] },
    statusMapping: { preset: 'taiga-default' },
    planEngine: { kind: 'taiga-tasks' },
    execEngine: { kind: 'command', command: ['true'] },
    qaPolicy: { kind: 'manual' },
    waitForMerge: false,
    limits: { concurrentRuns: 2, stepTimeoutSeconds: 600, maxAttempts: 3 },
    ...overrides,
  };
}

let nextItemId = 1;

/** A Taiga user story reference with ids unique within the test process. */
export function buildTaigaItem(overrides: Partial<TaigaItemRef> = {}): TaigaItemRef {
  const id = nextItemId++;
  return { type: 'userstory', id, ref: id + 100, ...overrides };
}

export const testActor: Actor = { kind: 'system', name: 'test' };
