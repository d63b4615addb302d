import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProjectSpec } from '@tundra/core';
import {
  createStateStore,
  EffectDispatcher,
  JobQueues,
  RunCommands,
  type StateStore,
} from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  type AppProcess,
  buildProjectSpec,
  createGitRemote,
  createTestRedis,
  repoRoot,
  spawnApp,
  type TestRedis,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';

export interface TundraSystem {
  redis: TestRedis;
  store: StateStore;
  sandbox: TaigaSandbox;
  ingesterUrl: string;
  apps: Record<'ingester' | 'planner' | 'executor' | 'qa', AppProcess>;
  /** Where the scripted engine keeps its attempt counters and pids. */
  engineState: string;
  /** The bare repository the projects push to. */
  origin: string;
  env: Record<string, string>;
  /** Seeds a Taiga project whose webhook points at the ingester, and registers the Tundra project for it. */
  addProject(
    id: string,
    spec?: Partial<ProjectSpec>,
    /** `publicPermissions`: a public Taiga project, where a non-member may do what they allow. */
    options?: { webhookUrl?: string; publicPermissions?: string[] },
  ): Promise<{ seed: DemoSeed; project: ProjectSpec; webhookKey: string }>;
  /** Resolves with the first event (of any of the project's runs) that matches, from the start of its stream. */
  waitForEvent(
    projectId: string,
    type: string,
    matches?: (event: { entityId: string; payload: Record<string, unknown> }) => boolean,
  ): Promise<{ entityId: string; payload: Record<string, unknown> }>;
  startApp(name: 'executor' | 'planner' | 'qa'): Promise<AppProcess>;
  /** The run created in the project for a Taiga story (waits for it). */
  runForStory(projectId: string, storyId: number): Promise<string>;
  /** Resolves with the first event of the run's own stream that matches. */
  /** Resolves with the id of the first event of the run's own stream that matches (after `after`, when given). */
  waitForRunEvent(runId: string, type: string, entityId?: string, after?: string): Promise<string>;
  /** Applies machine events as an operator would, with their effects (the API's way in). */
  commands: RunCommands;
  /** Resolves with the first line the step's engine printed that matches. */
  waitForStepLog(runId: string, stepId: string, line: string): Promise<void>;
  /** Resolves once the job with that id on that queue has finished. */
  waitForJob(queue: string, jobId: string): Promise<void>;
  /** The apps' warnings and errors, and their last lines: printed when a test fails. */
  describeLogs(): string;
  /** Resolves once the Taiga write-back of the run's latest transition has run (its job derives from the event). */
  waitForWriteBack(runId: string): Promise<void>;
  stop(): Promise<void>;
}

const entries = {
  ingester: 'apps/ingester/src/main.ts',
  planner: 'apps/planner/src/main.ts',
  executor: 'apps/executor/src/main.ts',
  qa: 'apps/qa/src/main.ts',
} as const;

/**
 * The whole system for end-to-end tests: a real Redis, the Taiga sandbox over HTTP, and the ingester, planner,
 * executor and QA apps as separate processes, wired as in production. Tests wait on the runs' event streams.
 */
export async function startSystem(extraEnv: Record<string, string> = {}): Promise<TundraSystem> {
  const redis = await createTestRedis();
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  const sandbox = await startTaigaSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'tundra-e2e-'));
  const origin = createGitRemote(dir);
  const engineState = join(dir, 'engine-state');
  const bootstrap = await sandbox.seedDemo({ projectSlug: `bootstrap-${randomBytes(3).toString('hex')}` });
  // The ingester reads webhook keys from its environment when it starts: every test project shares this one.
  const webhookKey = randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    ...redis.env,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_LOG_LEVEL: 'debug',
    TUNDRA_OPS_HOST: '127.0.0.1',
    TUNDRA_INGESTER_HOST: '127.0.0.1',
    TUNDRA_INGESTER_PORT: '0',
    TUNDRA_PLANNER_PORT: '0',
    TUNDRA_EXECUTOR_PORT: '0',
    TUNDRA_QA_PORT: '0',
    TUNDRA_TAIGA_URL: sandbox.url,
    TUNDRA_TAIGA_USERNAME: bootstrap.users.bot.username,
    TUNDRA_TAIGA_PASSWORD: bootstrap.users.bot.password,
    TUNDRA_TAIGA_BOT_USERNAME: bootstrap.users.bot.username,
    TUNDRA_CI_TOKEN: 'e2e-ci-token-0123456789',
    TUNDRA_API_TOKEN: 'e2e-api-token-0123456789',
    TUNDRA_WORKSPACES_DIR: join(dir, 'workspaces'),
    TUNDRA_RECONCILE_INTERVAL_MS: '3600000',
    TUNDRA_SHUTDOWN_TIMEOUT_MS: '10000',
    TUNDRA_ENGINE_KILL_GRACE_MS: '2000',
    // The backoff between a failed step's attempts is real; short, so the retry tests wait on it without dragging.
    TUNDRA_STEP_RETRY_BASE_DELAY_MS: '100',
    TUNDRA_STEP_RETRY_MAX_DELAY_MS: '400',
    E2E_ENGINE_STATE: engineState,
    TUNDRA_WEBHOOK_KEY_E2E: webhookKey,
    ...extraEnv,
  };
  const running: Partial<TundraSystem['apps']> = {};
  const spawned: AppProcess[] = [];
  const startApp = async (name: keyof typeof entries) => {
    const app = spawnApp(entries[name], env);
    spawned.push(app);
    await app.waitForLine((line) => line.msg === `${name} is ready`);
    running[name] = app;
    return app;
  };
  let ingesterUrl: string;
  try {
    const ingester = await startApp('ingester');
    const listening = await ingester.waitForLine((line) => typeof line.port === 'number');
    ingesterUrl = `http://127.0.0.1:${listening.port as number}`;
    await Promise.all((['planner', 'executor', 'qa'] as const).map(startApp));
  } catch (error) {
    // An app too slow to start (a loaded machine) must not leave the others, the sandbox and Redis running.
    await Promise.all(spawned.map((app) => app.stop('SIGKILL')));
    await sandbox.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const system: TundraSystem = {
    redis,
    store,
    sandbox,
    ingesterUrl,
    apps: running as TundraSystem['apps'],
    engineState,
    origin,
    env,
    async addProject(id, overrides = {}, options = {}) {
      const webhookUrl = options.webhookUrl ?? `${ingesterUrl}/webhooks/taiga/${id}`;
      const seed = await sandbox.seedDemo({
        webhookUrl,
        webhookKey,
        projectSlug: `e2e-${id}`,
        ...(options.publicPermissions ? { publicPermissions: options.publicPermissions } : {}),
      });
      const project = buildProjectSpec({
        id,
        taiga: {
          projectId: seed.project.id,
          projectSlug: seed.project.slug,
          webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_E2E',
        },
        repository: { url: origin, baseBranch: 'main', pushRemote: 'origin' },
        execEngine: {
          kind: 'command',
          command: ['bash', resolve(repoRoot, 'test/e2e/support/scripted-engine.sh')],
        },
        qaPolicy: { kind: 'command', command: ['bash', '-c', 'test -n "$(ls steps)"'] },
        limits: { concurrentRuns: 3, stepTimeoutSeconds: 120, maxAttempts: 3 },
        ...overrides,
      });
      await store.projects.put(project, 0);
      return { seed, project, webhookKey };
    },
    async waitForEvent(projectId, type, matches = () => true) {
      const entry = await waitForStreamEntry(
        redis.client,
        store.keys.projectEvents(projectId),
        (fields) => {
          if (fields.type !== JSON.stringify(type)) return false;
          return matches({
            entityId: JSON.parse(fields.entityId!) as string,
            payload: JSON.parse(fields.payload ?? '{}') as Record<string, unknown>,
          });
        },
        60_000,
      );
      return {
        entityId: JSON.parse(entry.fields.entityId!) as string,
        payload: JSON.parse(entry.fields.payload ?? '{}') as Record<string, unknown>,
      };
    },
    startApp: (name) => startApp(name),
    async runForStory(projectId, storyId) {
      const created = await system.waitForEvent(
        projectId,
        'protocol_run.created',
        (event) => (event.payload.taigaItem as { id?: number } | undefined)?.id === storyId,
      );
      return created.entityId;
    },
    async waitForRunEvent(runId, type, entityId, after) {
      const entry = await waitForStreamEntry(
        redis.client,
        store.keys.runEvents(runId),
        (fields) =>
          fields.type === JSON.stringify(type) &&
          (entityId === undefined || fields.entityId === JSON.stringify(entityId)),
        60_000,
        after,
      );
      return entry.id;
    },
    commands: new RunCommands(
      store,
      new EffectDispatcher({
        queues: new JobQueues(redis.client, redis.prefix),
        redis: redis.client,
        keys: store.keys,
      }),
    ),
    async waitForStepLog(runId, stepId, line) {
      await waitForStreamEntry(
        redis.client,
        store.keys.stepLog(runId, stepId),
        (fields) => fields.line === line,
        60_000,
      );
    },
    async waitForJob(queueName, jobId) {
      await waitForJob(redis, queueName, jobId);
    },
    describeLogs() {
      const show = (line: Record<string, unknown>) => {
        const {
          level,
          msg,
          err,
          time: _time,
          app: _app,
          name: _name,
          pid: _pid,
          hostname: _host,
          ...rest
        } = line;
        const error = err && typeof err === 'object' ? ` err=${(err as { message?: string }).message}` : '';
        return `  [${level}] ${msg}${error} ${JSON.stringify(rest).slice(0, 300)}`;
      };
      return Object.entries(running)
        .map(([name, app]) => {
          const notable = app.lines.filter((line) => Number(line.level) >= 40).slice(-20);
          return [
            `--- ${name}: warnings/errors`,
            ...notable.map(show),
            `--- ${name}: last lines`,
            ...app.lines.slice(-15).map(show),
            ...app.stderr.slice(-10),
          ].join('\n');
        })
        .join('\n');
    },
    async waitForWriteBack(runId) {
      // A write-back job that finds the run's write-back busy leaves its events to the holder, so a job's end says
      // nothing: the write-back cursor reaching the run's latest event that asks for a write-back does.
      for (;;) {
        // Lines seen before the check: a write-back that ends after it logs a line not in this set.
        const seen = new Set(system.apps.planner.lines);
        const events = await store.events.readRun(runId, { count: 10_000 });
        const last = events.filter((event) => event.type !== 'protocol_run.plan_stored').at(-1);
        if (!last) throw new Error(`run ${runId} has no events`);
        const cursor = await store.writeBack.cursor(runId);
        if (cursor !== null && compareStreamIds(cursor, last.id) >= 0) return;
        await system.apps.planner.waitForLine(
          (line) => !seen.has(line) && line.msg === 'taiga in sync' && line.protocolRunId === runId,
        );
      }
    },
    async stop() {
      await Promise.all(Object.values(running).map((app) => app.stop('SIGTERM')));
      await sandbox.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return system;
}

/** Orders two Redis stream ids (`<ms>-<seq>`). */
function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
