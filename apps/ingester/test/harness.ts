import { createHmac } from 'node:crypto';
import { type Project, QueueName } from '@tundra/core';
import { createStateStore, JobQueues, type StateStore } from '@tundra/core/server';
import { signTaigaWebhook } from '@tundra/taiga/webhook-signature';
import { buildProjectSpec, createTestRedis, type TestRedis } from '@tundra/testkit';
import type { Job } from 'bullmq';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { type IngesterConfig, ingesterConfigSchema } from '../src/config.js';
import { startIngester } from '../src/ingester.js';
import { taigaCaptureKey } from './fixtures.js';

export const secrets = {
  TUNDRA_GITHUB_WEBHOOK_SECRET: 'github-secret-0123456789',
  TUNDRA_GITLAB_WEBHOOK_TOKEN: 'gitlab-token-0123456789',
  TUNDRA_CI_TOKEN: 'ci-token-0123456789abcdef',
  TUNDRA_API_TOKEN: 'api-token-0123456789abcdef',
};
export const botUsername = 'taiga-bot';
export const botUserId = 99;
export const taigaSecretRef = 'TUNDRA_WEBHOOK_KEY_DEMO';

/** The projects every ingester test starts with: `demo` (GitHub repo of the examples) and `lab` (GitLab's). */
export const demoSpec = buildProjectSpec({
  id: 'demo',
  taiga: { projectId: 1, projectSlug: 'demo', webhookSecretRef: taigaSecretRef },
  repository: { url: 'https://github.com/octo-org/octo-repo.git', baseBranch: 'main', pushRemote: null },
  trigger: { onBotAssignment: true, statusSlugs: ['ready-for-agent'] },
});
const labSpec = buildProjectSpec({
  id: 'lab',
  taiga: { projectId: 2, projectSlug: 'lab', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_ACME' },
  repository: { url: 'git@192.168.64.1:gitlab-org/gitlab-test.git', baseBranch: 'master', pushRemote: null },
});

/** The environment a test ingester runs with (in-process or as a child process). */
export function ingesterEnv(
  redis: TestRedis,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    ...redis.env,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_INGESTER_HOST: '127.0.0.1',
    TUNDRA_INGESTER_PORT: '0',
    TUNDRA_LOG_LEVEL: 'silent',
    TUNDRA_TAIGA_BOT_USERNAME: botUsername,
    TUNDRA_TAIGA_BOT_USER_ID: String(botUserId),
    TUNDRA_INGEST_MAX_BODY_BYTES: String(256 * 1024),
    TUNDRA_PROJECT_CACHE_TTL_MS: '1',
    ...secrets,
    ...overrides,
  };
  // An empty override leaves the variable unset (a secret the test wants unconfigured).
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}

export interface TestIngester {
  url: string;
  redis: TestRedis;
  store: StateStore;
  queues: JobQueues;
  registry: Registry;
  config: IngesterConfig;
  projects: { demo: Project };
  /** Every job in a queue, with its id, once the jobs of every webhook answered so far are added. */
  jobs(queue: QueueName): Promise<Job[]>;
  /** One job by id, once the jobs of every webhook answered so far are added. */
  job(queue: QueueName, id: string): Promise<Job | undefined>;
  /** Resolves once the jobs of every webhook answered so far are added (they follow the answer by milliseconds). */
  settled(): Promise<void>;
  post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

/** A real ingester on a free loopback port, with a real Redis of its own and the two test projects registered. */
export async function startTestIngester(
  overrides: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestIngester> {
  const redis = await createTestRedis();
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  const saved = await store.projects.put(demoSpec, 0);
  await store.projects.put(labSpec, 0);
  if (saved.kind !== 'saved') throw new Error('could not register the demo project');
  const env = ingesterEnv(redis, overrides);
  const config = ingesterConfigSchema.parse(env);
  const registry = new Registry();
  // Keys come from the ingester's own environment, as they do by default, with the demo project's key added.
  const keys: Record<string, string> = { ...env, [taigaSecretRef]: taigaCaptureKey };
  const ingester = await startIngester({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    registry,
    taigaWebhookKey: (ref) => keys[ref],
  });
  const queues = new JobQueues(redis.connect(), redis.prefix);
  const url = `http://127.0.0.1:${ingester.port}`;
  return {
    url,
    redis,
    store,
    queues,
    registry,
    config,
    projects: { demo: saved.project },
    settled: () => ingester.settled(),
    async jobs(queue) {
      await ingester.settled();
      return queues.queue(queue).getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    },
    async job(queue, id) {
      await ingester.settled();
      return queues.queue(queue).getJob(id);
    },
    async post(path, body, headers) {
      const response = await fetch(`${url}${path}`, { method: 'POST', body, headers });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
    async stop() {
      await ingester.stop();
      await queues.close();
      await redis.stop();
    },
  };
}

/** Headers of a Taiga delivery signed with the capture key (as Taiga signs: the raw bytes). */
export function taigaHeaders(body: string, key = taigaCaptureKey): Record<string, string> {
  const signature = signTaigaWebhook(body, key);
  return {
    'content-type': 'application/json',
    'x-taiga-webhook-signature': signature,
    'x-hub-signature': `sha1=${signature}`,
  };
}

/** Headers of a GitHub delivery signed with the test secret. */
export function githubHeaders(event: string, delivery: string, body: string): Record<string, string> {
  const signature = createHmac('sha256', secrets.TUNDRA_GITHUB_WEBHOOK_SECRET).update(body).digest('hex');
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${signature}`,
  };
}

export function gitlabHeaders(event: string, uuid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': uuid,
    'x-gitlab-token': secrets.TUNDRA_GITLAB_WEBHOOK_TOKEN,
  };
}

export function ciHeaders(): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${secrets.TUNDRA_CI_TOKEN}` };
}

/**
 * A Taiga body in Taiga's own Python-style JSON (`", "` and `": "`), as the captures show: re-serialised JSON would
 * not match a signature made over Taiga's bytes, so tests sign exactly what they send.
 */
export function taigaStyleJson(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, ' ')
    .replace(/([[{]) /g, '$1')
    .replace(/ ([\]}])/g, '$1');
}

export { QueueName };
