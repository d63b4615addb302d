// `pnpm start`: the whole system on one machine, each app its own process, until Ctrl-C.
// - Redis: REDIS_URL when set; otherwise a local redis-server with AOF in .tundra/redis.
// - Taiga: TUNDRA_TAIGA_URL (+ credentials) when set; otherwise the Taiga sandbox, seeded with a demo project whose
//   webhook points at the ingester, a local bare repository as the remote and a demo exec engine.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { demoProjectSpec, registerDemoProject } from './demo/demo-project.js';
import { ensureDemoRepository } from './demo/demo-repo.js';
import { ProcessGroup } from './start/process-group.js';

const root = resolve(import.meta.dirname, '..');
if (existsSync(resolve(root, '.env'))) process.loadEnvFile(resolve(root, '.env'));
const stateDir = resolve(root, '.tundra');
mkdirSync(stateDir, { recursive: true });

const processes = new ProcessGroup(root);
process.on('SIGINT', () => void processes.stopAll(0));
process.on('SIGTERM', () => void processes.stopAll(0));

const tsx = (entry: string) => [process.execPath, ['--conditions=source', '--import', 'tsx', entry]] as const;

// Secrets are made once and kept, so an API token printed yesterday still works today.
function localSecret(name: string): string {
  const file = resolve(stateDir, 'secrets.json');
  const secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  secrets[name] ??= randomBytes(24).toString('hex');
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets[name];
}

async function startRedis(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const dir = resolve(stateDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = process.env.TUNDRA_LOCAL_REDIS_PORT ?? '6380';
  const redis = processes.start('redis', 'redis-server', [
    '--port',
    port,
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
  ]);
  await processes.waitForLine(redis, /Ready to accept connections/);
  return `redis://127.0.0.1:${port}`;
}

interface TaigaSetup {
  env: Record<string, string>;
  description: string;
  prefix: string;
}

async function startTaiga(redisUrl: string, ingesterPort: string): Promise<TaigaSetup> {
  const webhookSecret = process.env.TUNDRA_DEMO_WEBHOOK_SECRET ?? localSecret('demoWebhookSecret');
  if (process.env.TUNDRA_TAIGA_URL) {
    return {
      env: { TUNDRA_DEMO_WEBHOOK_SECRET: webhookSecret },
      description: `${process.env.TUNDRA_TAIGA_URL} (from TUNDRA_TAIGA_URL)`,
      prefix: process.env.TUNDRA_REDIS_PREFIX ?? 'tundra',
    };
  }
  const port = process.env.TUNDRA_SANDBOX_PORT ?? '9000';
  const [node, args] = tsx('packages/taiga-sandbox/src/cli.ts');
  const sandbox = processes.start('taiga', node, [
    ...args,
    'serve',
    '--port',
    port,
    '--host',
    '127.0.0.1',
    '--seed',
    '--webhook-url',
    `http://127.0.0.1:${ingesterPort}/webhooks/taiga/demo`,
    '--webhook-key',
    webhookSecret,
  ]);
  const seedLine = await processes.waitForLine(sandbox, /^\{"project"/);
  const seed = JSON.parse(seedLine) as {
    project: { id: number; slug: string };
    users: {
      admin: { username: string; password: string };
      bot: { id: number; username: string; password: string };
    };
    story: { id: number; ref: number };
  };
  const sandboxUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    resolve(stateDir, 'demo-seed.json'),
    `${JSON.stringify({ ...seed, url: sandboxUrl }, null, 2)}\n`,
  );

  // The sandbox keeps nothing between starts, so neither does the demo's state in Redis.
  const prefix = 'tundra-demo';
  const redis = new Redis(redisUrl);
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length > 0) await redis.unlink(...stale);
  const repository = ensureDemoRepository(resolve(stateDir, 'demo'));
  await registerDemoProject(
    redis,
    prefix,
    demoProjectSpec({
      root,
      taigaProjectId: seed.project.id,
      taigaProjectSlug: seed.project.slug,
      repository,
    }),
  );
  await redis.quit();
  return {
    env: {
      TUNDRA_TAIGA_URL: sandboxUrl,
      TUNDRA_TAIGA_USERNAME: seed.users.bot.username,
      TUNDRA_TAIGA_PASSWORD: seed.users.bot.password,
      TUNDRA_TAIGA_BOT_USERNAME: seed.users.bot.username,
      TUNDRA_DEMO_WEBHOOK_SECRET: webhookSecret,
    },
    description: `${sandboxUrl}/api/v1 (Taiga sandbox; admin ${seed.users.admin.username}/${seed.users.admin.password}, bot ${seed.users.bot.username})`,
    prefix,
  };
}

const ports = {
  ingester: process.env.TUNDRA_INGESTER_PORT ?? '8080',
  api: process.env.TUNDRA_API_PORT ?? '8081',
  planner: process.env.TUNDRA_PLANNER_PORT ?? '9101',
  executor: process.env.TUNDRA_EXECUTOR_PORT ?? '9102',
  qa: process.env.TUNDRA_QA_PORT ?? '9103',
};

const redisUrl = await startRedis();
const taiga = await startTaiga(redisUrl, ports.ingester);
const apiToken = process.env.TUNDRA_API_TOKEN ?? localSecret('apiToken');
const env = {
  REDIS_URL: redisUrl,
  TUNDRA_REDIS_PREFIX: taiga.prefix,
  TUNDRA_API_TOKEN: apiToken,
  TUNDRA_WORKSPACES_DIR: process.env.TUNDRA_WORKSPACES_DIR ?? resolve(stateDir, 'workspaces'),
  TUNDRA_OPS_HOST: process.env.TUNDRA_OPS_HOST ?? '127.0.0.1',
  ...taiga.env,
};
const apps = [
  { name: 'ingester', entry: 'apps/ingester/src/main.ts' },
  { name: 'api', entry: 'apps/api/src/main.ts' },
  { name: 'planner', entry: 'apps/planner/src/main.ts' },
  { name: 'executor', entry: 'apps/executor/src/main.ts' },
  { name: 'qa', entry: 'apps/qa/src/main.ts' },
] as const;
await Promise.all(
  apps.map(async (app) => {
    const [node, args] = tsx(app.entry);
    const child = processes.start(app.name, node, args, env);
    await processes.waitForLine(child, /is ready/);
  }),
);

const demo = !process.env.TUNDRA_TAIGA_URL;
console.log(`
Tundra is running. Ctrl-C stops everything.

  Redis       ${redisUrl}${process.env.REDIS_URL ? '' : ' (local, AOF in .tundra/redis)'}
  Taiga       ${taiga.description}
  ingester    http://127.0.0.1:${ports.ingester}   (webhooks: /webhooks/taiga/<project>, /webhooks/github, /webhooks/gitlab, /webhooks/ci)
  API         http://127.0.0.1:${ports.api}/api/v1   (token in .tundra/secrets.json: apiToken)
  planner     http://127.0.0.1:${ports.planner}/metrics
  executor    http://127.0.0.1:${ports.executor}/metrics
  qa          http://127.0.0.1:${ports.qa}/metrics
${
  demo
    ? `
Try it: in another terminal, assign the demo story to the bot (as the sandbox's admin):

  pnpm demo:assign

then watch the run:  pnpm tundra runs list --project demo   (TUNDRA_API_URL=http://127.0.0.1:${ports.api}, TUNDRA_API_TOKEN from .tundra/secrets.json)
Each step commits to the demo repository: git -C .tundra/demo/origin.git log --all --oneline
`
    : ''
}`);
