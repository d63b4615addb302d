import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectSpec } from '@tundra/core';
import type { JobContext, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import { createEngineRunner } from '@tundra/engine';
import {
  buildProjectSpec,
  createGitRemote,
  createRunFlow,
  createRunningRun,
  createTestRedis,
  type TestRedis,
} from '@tundra/testkit';
import { createWorkspaceManager, type WorkspaceManager } from '@tundra/workspace';
import { Job } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { StopSignalHub } from '../src/control/stop-signal-hub.js';
import { createExecuteStepHandler, type ExecuteStepSettings } from '../src/handlers/execute-step.js';
import { createExecutorStore } from '../src/store/executor-store.js';

export const silentLogger = pino({ level: 'silent' });

/**
 * What an executor test needs around `createExecuteStepHandler`: a Redis of its own with the store and the run
 * flow, the control channel, a git remote and a workspace root in a temporary directory.
 */
export interface ExecutorHarness {
  redis: TestRedis;
  store: StateStore;
  queues: JobQueues;
  commands: RunCommands;
  stops: StopSignalHub;
  workspaces: WorkspaceManager;
  dir: string;
  origin: string;
  close(): Promise<void>;
}

export async function createExecutorHarness(): Promise<ExecutorHarness> {
  const redis = await createTestRedis();
  const { store, queues, commands } = createRunFlow(redis);
  const stops = new StopSignalHub(redis.connect(), store.keys.controlChannel(), silentLogger);
  await stops.start();
  const dir = mkdtempSync(join(tmpdir(), 'tundra-exec-test-'));
  const origin = createGitRemote(dir);
  const workspaces = createWorkspaceManager({
    root: join(dir, 'workspaces'),
    gitAuthor: { name: 'Tundra', email: 'tundra@example.test' },
    logger: silentLogger,
  });
  return {
    redis,
    store,
    queues,
    commands,
    stops,
    workspaces,
    dir,
    origin,
    async close() {
      await stops.close();
      await queues.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A step.execute handler over the harness, with short leases and the given engine environment. */
export function executorHandler(
  h: ExecutorHarness,
  engineEnv: Record<string, string | undefined> = { PATH: process.env.PATH },
  settings: Partial<ExecuteStepSettings> = {},
  registry = new Registry(),
) {
  return createExecuteStepHandler({
    store: h.store,
    commands: h.commands,
    workspaces: h.workspaces,
    engine: createEngineRunner({ registry, killGraceMs: 1_000 }),
    executorStore: createExecutorStore(h.redis.client, h.store.keys),
    stops: h.stops,
    config: {
      // Long enough that a loaded machine (several test files at once) does not lose it between renewals.
      stepLeaseMs: 10_000,
      stepLogMaxLen: 1_000,
      slotWaitMs: 200,
      leftoverEngineTimeoutMs: 5_000,
      engineEnv,
      contextMaxBytes: 65_536,
      conventionsFiles: ['AGENTS.md', 'CLAUDE.md'],
      ...settings,
    },
    logger: silentLogger,
    registry,
  });
}

/** Registers a project on the harness's remote. */
export async function registerProject(h: ExecutorHarness, spec: Partial<ProjectSpec> & { id: string }) {
  const project = buildProjectSpec({
    repository: { url: h.origin, baseBranch: 'main', pushRemote: 'origin' },
    limits: { concurrentRuns: 2, stepTimeoutSeconds: 60, maxAttempts: 3 },
    ...spec,
  });
  const saved = await h.store.projects.put(project, 0);
  if (saved.kind !== 'saved') throw new Error('project not saved');
  return saved.project;
}

/** A `running` run with `count` pending steps. */
export const runningRun = (h: ExecutorHarness, projectId: string, count = 1) =>
  createRunningRun(h.store, projectId, { steps: count });

/** Runs the handler on a real step.execute job of the step. */
export async function executeStep(
  h: ExecutorHarness,
  handler: ReturnType<typeof executorHandler>,
  step: { projectId: string; protocolRunId: string; id: string },
) {
  const payload = {
    projectId: step.projectId,
    correlationId: 'corr',
    protocolRunId: step.protocolRunId,
    stepRunId: step.id,
    attempt: 1,
  };
  const id = await h.queues.enqueue('step.execute', payload);
  const job = await Job.fromId(h.queues.queue('tundra-execute'), id);
  const context = { job: job!, logger: silentLogger } satisfies JobContext;
  return handler(payload, context) as Promise<{ outcome: string; commitSha?: string; reason?: string }>;
}
