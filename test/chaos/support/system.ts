import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ProjectSpec, QueueName } from '@tundra/core';
import { createStateStore, JobQueues, type StateStore } from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  type AppProcess,
  buildProjectSpec,
  createGitRemote,
  freePort,
  type RedisProcess,
  repoRoot,
  spawnApp,
  startRedisServer,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { Redis } from 'ioredis';

export const appNames = ['ingester', 'planner', 'executor', 'qa', 'api', 'reporter'] as const;
export type AppName = (typeof appNames)[number];

const entries: Record<AppName, string> = {
  ingester: 'apps/ingester/src/main.ts',
  planner: 'apps/planner/src/main.ts',
  executor: 'apps/executor/src/main.ts',
  qa: 'apps/qa/src/main.ts',
  api: 'apps/api/src/main.ts',
  reporter: 'apps/reporter/src/main.ts',
};
const portVariables: Record<AppName, string> = {
  ingester: 'TUNDRA_INGESTER_PORT',
  planner: 'TUNDRA_PLANNER_PORT',
  executor: 'TUNDRA_EXECUTOR_PORT',
  qa: 'TUNDRA_QA_PORT',
  api: 'TUNDRA_API_PORT',
  reporter: 'TUNDRA_REPORTER_PORT',
};
/** Each app's Redis connections, by the names they log with: all of them say `redis connection restored`. */
export const redisConnections: Record<AppName, string[]> = {
  ingester: ['ingester', 'ingester-readiness'],
  planner: ['planner-store', 'planner-workers', 'planner-readiness'],
  executor: ['executor-store', 'executor-workers', 'executor-readiness', 'executor-control'],
  qa: ['qa-store', 'qa-workers', 'qa-readiness'],
  api: ['api-store', 'api-readiness'],
  reporter: ['reporter-store', 'reporter-workers', 'reporter-readiness'],
};

export const secrets = {
  apiToken: 'chaos-api-token-0123456789abcdef',
  ciToken: 'chaos-ci-token-0123456789abcdef',
  githubSecret: 'chaos-github-secret-0123456789',
  gitlabToken: 'chaos-gitlab-token-0123456789',
  webhookKey: randomBytes(16).toString('hex'),
  webhookKeyVariable: 'TUNDRA_WEBHOOK_KEY_CHAOS',
};

export interface RunningApp {
  name: AppName;
  proc: AppProcess;
  port: number;
  url: string;
}

export interface ChaosSystem {
  /** Replaced when a scenario starts Redis again. */
  redis: RedisProcess;
  /** The suite's own connection (it reconnects by itself across a Redis restart). */
  client: Redis;
  prefix: string;
  store: StateStore;
  queues: JobQueues;
  sandbox: TaigaSandbox;
  /** The sandbox's users and statuses, seeded once; each project adds its own Taiga project. */
  bootstrap: DemoSeed;
  apps: Record<AppName, RunningApp>;
  dir: string;
  /** Where the chaos engine and QA check write what they did (pgids, starts). */
  state: string;
  origin: string;
  env: Record<string, string>;
  start(name: AppName): Promise<RunningApp>;
  /** kill -9; resolves once the process is gone. */
  kill(name: AppName): Promise<void>;
  /**
   * A Taiga project whose webhook points at the ingester (or at `webhookUrl`: deliveries the suite forwards itself,
   * taken from the sandbox's record), and the Tundra project bound to it.
   */
  addProject(
    id: string,
    spec?: Partial<ProjectSpec>,
    options?: { webhookUrl?: string },
  ): Promise<{ seed: DemoSeed; project: ProjectSpec }>;
  /** The first event of the project's stream (from its start, or after `after`) that matches. */
  waitForEvent(
    projectId: string,
    matches: (event: ChaosEvent) => boolean,
    timeoutMs?: number,
    after?: string,
  ): Promise<ChaosEvent>;
  /** Resolves once the Taiga write-back of the run's latest transition has run. */
  waitForWriteBack(runId: string): Promise<void>;
  /** The apps' latest warnings and errors, for a scenario that failed. */
  describeLogs(): string;
  /** SIGKILLs every process of the system at once, synchronously: for a suite that exits abruptly. */
  killNow(): void;
  stop(): Promise<void>;
}

/** Systems not stopped yet: what the runner stops when a scenario overruns or the suite is interrupted. */
export const liveSystems = new Set<ChaosSystem>();

export interface ChaosEvent {
  id: string;
  type: string;
  entityId: string;
  at: string;
  payload: Record<string, unknown>;
}

function parseEvent(id: string, fields: Record<string, string>): ChaosEvent {
  const json = (name: string) => (fields[name] === undefined ? undefined : JSON.parse(fields[name]!));
  return {
    id,
    type: json('type') as string,
    entityId: json('entityId') as string,
    at: json('at') as string,
    payload: (json('payload') ?? {}) as Record<string, unknown>,
  };
}

export interface SystemOptions {
  /** Extra environment for every app (short intervals for a scenario). */
  env?: Record<string, string>;
  /** Redis's `appendfsync` (everysec by default, as shipped). */
  appendfsync?: 'always' | 'everysec';
  /** Log lines kept per app (the fuzz makes many). */
  maxLines?: number;
}

/**
 * The whole system as production runs it, on loopback: a `redis-server` with AOF in a directory of its own (so that
 * it can be killed and started again from it), the Taiga sandbox, and the five apps as processes on fixed ports (a
 * restarted app comes back where the others and the sandbox's webhooks look for it).
 */
export async function startSystem(options: SystemOptions = {}): Promise<ChaosSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'tundra-chaos-'));
  const redis = await startRedisServer({
    appendonly: true,
    appendfsync: options.appendfsync ?? 'everysec',
    dir: join(dir, 'redis'),
  });
  const prefix = 'chaos';
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  const store = createStateStore({ redis: client, prefix });
  const queues = new JobQueues(client, prefix);
  const sandbox = await startTaigaSandbox();
  const bootstrap = await sandbox.seedDemo({ projectSlug: `bootstrap-${randomBytes(3).toString('hex')}` });
  const origin = createGitRemote(dir);
  const state = join(dir, 'state');
  mkdirSync(state);
  const ports = Object.fromEntries(
    await Promise.all(appNames.map(async (name) => [name, await freePort()] as const)),
  ) as Record<AppName, number>;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    REDIS_URL: redis.url,
    TUNDRA_REDIS_PREFIX: prefix,
    TUNDRA_LOG_LEVEL: 'info',
    TUNDRA_OPS_HOST: '127.0.0.1',
    TUNDRA_INGESTER_HOST: '127.0.0.1',
    TUNDRA_API_HOST: '127.0.0.1',
    TUNDRA_TAIGA_URL: sandbox.url,
    TUNDRA_TAIGA_USERNAME: bootstrap.users.bot.username,
    TUNDRA_TAIGA_PASSWORD: bootstrap.users.bot.password,
    TUNDRA_TAIGA_BOT_USERNAME: bootstrap.users.bot.username,
    TUNDRA_CI_TOKEN: secrets.ciToken,
    TUNDRA_API_TOKEN: secrets.apiToken,
    TUNDRA_GITHUB_WEBHOOK_SECRET: secrets.githubSecret,
    TUNDRA_GITLAB_WEBHOOK_TOKEN: secrets.gitlabToken,
    [secrets.webhookKeyVariable]: secrets.webhookKey,
    TUNDRA_WORKSPACES_DIR: join(dir, 'workspaces'),
    TUNDRA_REPORTS_DIR: join(dir, 'reports'),
    TUNDRA_EXECUTOR_CONCURRENCY: '4',
    TUNDRA_SHUTDOWN_TIMEOUT_MS: '15000',
    TUNDRA_ENGINE_KILL_GRACE_MS: '2000',
    TUNDRA_STEP_RETRY_BASE_DELAY_MS: '200',
    TUNDRA_STEP_RETRY_MAX_DELAY_MS: '1000',
    TUNDRA_RECONCILE_INTERVAL_MS: '3600000',
    CHAOS_STATE: state,
    ...Object.fromEntries(appNames.map((name) => [portVariables[name], String(ports[name])])),
    ...options.env,
  };
  const running = {} as Record<AppName, RunningApp>;
  const start = async (name: AppName) => {
    const proc = spawnApp(entries[name], env, { maxLines: options.maxLines ?? 20_000 });
    await proc.waitForLine((line) => line.msg === `${name} is ready`, 60_000);
    const app = { name, proc, port: ports[name], url: `http://127.0.0.1:${ports[name]}` };
    running[name] = app;
    return app;
  };
  await Promise.all(appNames.map(start));

  const system: ChaosSystem = {
    redis,
    client,
    prefix,
    store,
    queues,
    sandbox,
    bootstrap,
    apps: running,
    dir,
    state,
    origin,
    env,
    start,
    async kill(name) {
      await running[name].proc.stop('SIGKILL');
    },
    async addProject(id, overrides = {}, options = {}) {
      const seed = await sandbox.seedDemo({
        webhookUrl: options.webhookUrl ?? `${running.ingester.url}/webhooks/taiga/${id}`,
        webhookKey: secrets.webhookKey,
        projectSlug: `chaos-${id}`,
      });
      const project = buildProjectSpec({
        id,
        taiga: {
          projectId: seed.project.id,
          projectSlug: seed.project.slug,
          webhookSecretRef: secrets.webhookKeyVariable,
        },
        repository: { url: origin, baseBranch: 'main', pushRemote: 'origin' },
        execEngine: {
          kind: 'command',
          command: ['bash', resolve(repoRoot, 'test/chaos/support/chaos-engine.sh')],
        },
        qaPolicy: {
          kind: 'command',
          command: ['bash', resolve(repoRoot, 'test/chaos/support/chaos-qa.sh'), state],
        },
        limits: { concurrentRuns: 10, stepTimeoutSeconds: 120, maxAttempts: 3 },
        ...overrides,
      });
      const saved = await store.projects.put(project, 0);
      if (saved.kind !== 'saved') throw new Error(`project ${id} exists`);
      return { seed, project };
    },
    async waitForEvent(projectId, matches, timeoutMs = 120_000, after = '0') {
      const entry = await waitForStreamEntry(
        client,
        store.keys.projectEvents(projectId),
        (fields, id) => matches(parseEvent(id, fields)),
        timeoutMs,
        after,
      );
      return parseEvent(entry.id, entry.fields);
    },
    async waitForWriteBack(runId) {
      const events = await store.events.readRun(runId, { count: 10_000 });
      const last = events.filter((event) => event.type !== 'protocol_run.plan_stored').at(-1);
      if (!last) throw new Error(`run ${runId} has no events`);
      await waitForJob(
        { client, prefix, connect: () => client.duplicate() },
        QueueName.WriteBack,
        `sync-${runId}-${last.id}`,
      );
    },
    describeLogs() {
      return Object.values(running)
        .map(({ name, proc }) => {
          const notable = proc.lines.filter((line) => Number(line.level) >= 40).slice(-15);
          const show = (line: Record<string, unknown>) => {
            const error = (line.err as { message?: string } | undefined)?.message;
            return `  [${line.level}] ${line.msg}${error ? `: ${error}` : ''}`;
          };
          return [`--- ${name}`, ...notable.map(show), ...proc.stderr.slice(-5)].join('\n');
        })
        .join('\n');
    },
    killNow() {
      for (const app of Object.values(running)) app.proc.child.kill('SIGKILL');
      try {
        process.kill(system.redis.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    },
    async stop() {
      liveSystems.delete(system);
      await Promise.all(Object.values(running).map((app) => app.proc.stop('SIGTERM')));
      await sandbox.stop();
      await queues.close();
      client.disconnect();
      await system.redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  liveSystems.add(system);
  return system;
}

/** The lines of a state file the chaos engine or QA check wrote, or none. */
export function stateLines(system: ChaosSystem, name: string): string[] {
  const path = join(system.state, name);
  try {
    // Regular files only: reading anything else (a FIFO) could wait for ever.
    if (!statSync(path).isFile()) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  } catch {
    return [];
  }
}
