// `pnpm start`: the whole system on one machine, each app its own process, supervised until Ctrl-C.
// - Redis: REDIS_URL when set; otherwise a local redis-server with AOF in .tundra/redis.
// - Taiga: TUNDRA_TAIGA_URL (+ credentials) when set; otherwise the Taiga sandbox, its state kept in
//   .tundra/taiga-sandbox.json, seeded once with a demo project whose webhook points at the ingester, and the forge
//   sandbox (.tundra/forge-sandbox) with the demo repository the demo project delivers to by pull request, with a
//   demo exec engine.
// A process that dies is started again after a backoff; Ctrl-C stops them all, apps first, and exits 0.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { demoForge, ensureDemoForge } from './demo/demo-forge.js';
import { demoProjectSpec, registerDemoProject } from './demo/demo-project.js';
import { type ChildSpec, Supervisor } from './start/supervisor.js';

const root = resolve(import.meta.dirname, '..');
if (existsSync(resolve(root, '.env'))) process.loadEnvFile(resolve(root, '.env'));
const stateDir = resolve(root, process.env.TUNDRA_STATE_DIR ?? '.tundra');
mkdirSync(stateDir, { recursive: true });
const shownStateDir = relative(process.cwd(), stateDir).startsWith('..')
  ? stateDir
  : relative(process.cwd(), stateDir) || '.';

let stopping: Promise<void> | null = null;
/** Stops everything and exits: 0 after a clean stop (Ctrl-C), `code` otherwise. */
function shutdown(code: number): Promise<void> {
  // A Ctrl-C reaches this process twice (from the terminal, and forwarded by pnpm): one stop is enough.
  stopping ??= supervisor.stop().then(() => process.exit(code));
  return stopping;
}
const supervisor = new Supervisor(
  root,
  { backoff: { baseMs: 1_000, maxMs: 30_000 }, stableMs: 60_000, write: (line) => console.log(line) },
  (error) => {
    console.error(`${error.message}; stopping everything`);
    void shutdown(1);
  },
);
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const tsx = (entry: string) => [process.execPath, ['--conditions=source', '--import', 'tsx', entry]] as const;

/** Starts a supervised process and waits until it is up; one that refuses its configuration stops everything. */
async function start(spec: ChildSpec): Promise<void> {
  try {
    await supervisor.start(spec);
  } catch (error) {
    console.error(`${(error as Error).message}; stopping everything`);
    await shutdown(1);
  }
}

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
  await start({
    name: 'redis',
    command: 'redis-server',
    args: [
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
    ],
    ready: /Ready to accept connections/,
  });
  return `redis://127.0.0.1:${port}`;
}

interface TaigaSetup {
  env: Record<string, string>;
  description: string;
  prefix: string;
  /** The sandbox's demo project, when Tundra runs against the sandbox. */
  demo?: { projectId: number; projectSlug: string };
}

async function startTaiga(redisUrl: string, ingesterPort: string): Promise<TaigaSetup> {
  const webhookSecret = process.env.TUNDRA_WEBHOOK_KEY_DEMO ?? localSecret('demoWebhookSecret');
  if (process.env.TUNDRA_TAIGA_URL) {
    return {
      env: { TUNDRA_WEBHOOK_KEY_DEMO: webhookSecret },
      description: `${process.env.TUNDRA_TAIGA_URL} (from TUNDRA_TAIGA_URL)`,
      prefix: process.env.TUNDRA_REDIS_PREFIX ?? 'tundra',
    };
  }
  const port = process.env.TUNDRA_SANDBOX_PORT ?? '9000';
  const [node, args] = tsx('packages/taiga-sandbox/src/cli.ts');
  const stateFile = resolve(stateDir, 'taiga-sandbox.json');
  const fresh = !existsSync(stateFile);
  let seedLine = '';
  await start({
    name: 'taiga',
    command: node,
    args: [
      ...args,
      'serve',
      '--port',
      port,
      '--host',
      '127.0.0.1',
      '--state-file',
      stateFile,
      // Seeds once; a restart prints the seed its state file kept.
      '--seed',
      '--webhook-url',
      `http://127.0.0.1:${ingesterPort}/webhooks/taiga/demo`,
      '--webhook-key',
      webhookSecret,
    ],
    ready: /^\{"project"/,
    onReady: (line) => {
      seedLine = line;
    },
  });
  const seed = JSON.parse(seedLine) as {
    project: { id: number; slug: string };
    users: {
      admin: { username: string; password: string };
      bot: { id: number; username: string; password: string };
    };
    story: { id: number; ref: number };
  };
  const sandboxUrl = `http://127.0.0.1:${port}`;
  // The bot administers the demo project, so that `tundra projects apply` and `check` manage its webhook.
  const member = await fetch(`${sandboxUrl}/sandbox/memberships`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      project: seed.project.id,
      username: seed.users.bot.username,
      role: 'back',
      isAdmin: true,
    }),
  });
  if (!member.ok) throw new Error(`the sandbox did not make the bot an admin: ${await member.text()}`);
  writeFileSync(
    resolve(stateDir, 'demo-seed.json'),
    `${JSON.stringify({ ...seed, url: sandboxUrl }, null, 2)}\n`,
  );

  // The demo's runs in Redis refer to the sandbox's items: a sandbox seeded afresh (its state file was removed)
  // starts the demo's Redis state afresh too. Otherwise both continue where they were.
  const prefix = 'tundra-demo';
  const redis = new Redis(redisUrl);
  const stale = fresh ? await redis.keys(`${prefix}:*`) : [];
  if (stale.length > 0) await redis.unlink(...stale);
  await redis.quit();
  return {
    env: {
      TUNDRA_TAIGA_URL: sandboxUrl,
      TUNDRA_TAIGA_USERNAME: seed.users.bot.username,
      TUNDRA_TAIGA_PASSWORD: seed.users.bot.password,
      TUNDRA_TAIGA_BOT_USERNAME: seed.users.bot.username,
      TUNDRA_WEBHOOK_KEY_DEMO: webhookSecret,
    },
    description: `${sandboxUrl}/api/v1 (Taiga sandbox; admin ${seed.users.admin.username}/${seed.users.admin.password}, bot ${seed.users.bot.username})`,
    prefix,
    demo: { projectId: seed.project.id, projectSlug: seed.project.slug },
  };
}

interface ForgeSetup {
  env: Record<string, string>;
  description: string;
  cloneUrl: string;
}

/** The forge sandbox beside the Taiga sandbox: the demo delivers by pull request to its GitHub. */
async function startForge(ingesterPort: string): Promise<ForgeSetup> {
  const githubPort = process.env.TUNDRA_FORGE_SANDBOX_GITHUB_PORT ?? '9300';
  const gitlabPort = process.env.TUNDRA_FORGE_SANDBOX_GITLAB_PORT ?? '9301';
  const [node, args] = tsx('packages/forge-sandbox/src/cli.ts');
  await start({
    name: 'forge',
    command: node,
    args: [
      ...args,
      'serve',
      '--host',
      '127.0.0.1',
      '--github-port',
      githubPort,
      '--gitlab-port',
      gitlabPort,
      '--data-dir',
      resolve(stateDir, 'forge-sandbox'),
    ],
    ready: /^\{"github"/,
  });
  const githubUrl = `http://127.0.0.1:${githubPort}`;
  const token = localSecret('demoForgeToken');
  const webhookSecret = process.env.TUNDRA_GITHUB_WEBHOOK_SECRET ?? localSecret('githubWebhookSecret');
  const cloneUrl = await ensureDemoForge({
    githubUrl,
    ingesterUrl: `http://127.0.0.1:${ingesterPort}`,
    token,
    webhookSecret,
  });
  return {
    env: {
      TUNDRA_GITHUB_API_URL: `${githubUrl}/api/v3`,
      TUNDRA_GITHUB_WEBHOOK_SECRET: webhookSecret,
      TUNDRA_FORGE_TOKEN_DEMO: token,
    },
    description: `${githubUrl} (forge sandbox: GitHub; GitLab on port ${gitlabPort}; the demo's pull requests on ${demoForge.repo})`,
    cloneUrl,
  };
}

const ports = {
  ingester: process.env.TUNDRA_INGESTER_PORT ?? '8080',
  api: process.env.TUNDRA_API_PORT ?? '8081',
  planner: process.env.TUNDRA_PLANNER_PORT ?? '9101',
  executor: process.env.TUNDRA_EXECUTOR_PORT ?? '9102',
  qa: process.env.TUNDRA_QA_PORT ?? '9103',
  reporter: process.env.TUNDRA_REPORTER_PORT ?? '9104',
};

const redisUrl = await startRedis();
const taiga = await startTaiga(redisUrl, ports.ingester);
// Against the sandbox, the demo project delivers by pull request to the forge sandbox.
const forge = taiga.demo ? await startForge(ports.ingester) : null;
if (taiga.demo && forge) {
  const redis = new Redis(redisUrl);
  await registerDemoProject(
    redis,
    taiga.prefix,
    demoProjectSpec({
      root,
      taigaProjectId: taiga.demo.projectId,
      taigaProjectSlug: taiga.demo.projectSlug,
      repository: forge.cloneUrl,
      pullRequest: { repo: demoForge.repo },
    }),
  );
  await redis.quit();
}
const apiToken = process.env.TUNDRA_API_TOKEN ?? localSecret('apiToken');
const env = {
  REDIS_URL: redisUrl,
  TUNDRA_REDIS_PREFIX: taiga.prefix,
  TUNDRA_API_TOKEN: apiToken,
  TUNDRA_WORKSPACES_DIR: process.env.TUNDRA_WORKSPACES_DIR ?? resolve(stateDir, 'workspaces'),
  TUNDRA_REPORTS_DIR: process.env.TUNDRA_REPORTS_DIR ?? resolve(stateDir, 'reports'),
  TUNDRA_OPS_HOST: process.env.TUNDRA_OPS_HOST ?? '127.0.0.1',
  TUNDRA_INGESTER_PUBLIC_URL: process.env.TUNDRA_INGESTER_PUBLIC_URL ?? `http://127.0.0.1:${ports.ingester}`,
  // The console's inbox replays go to the ingester's admin endpoint.
  TUNDRA_INGESTER_URL: process.env.TUNDRA_INGESTER_URL ?? `http://127.0.0.1:${ports.ingester}`,
  ...taiga.env,
  ...forge?.env,
};
const apps = [
  { name: 'ingester', entry: 'apps/ingester/src/main.ts' },
  { name: 'api', entry: 'apps/api/src/main.ts' },
  { name: 'planner', entry: 'apps/planner/src/main.ts' },
  { name: 'executor', entry: 'apps/executor/src/main.ts' },
  { name: 'qa', entry: 'apps/qa/src/main.ts' },
  { name: 'reporter', entry: 'apps/reporter/src/main.ts' },
] as const;
await Promise.all(
  apps.map(async (app) => {
    const [node, args] = tsx(app.entry);
    await start({ name: app.name, command: node, args, env, ready: /is ready/ });
  }),
);

const demo = !process.env.TUNDRA_TAIGA_URL;
console.log(`
Tundra is running. A process that dies is started again; Ctrl-C stops everything.

  State       ${shownStateDir} (Redis's AOF, the sandbox's state, the demo repository, workspaces, secrets)
  Redis       ${redisUrl}${process.env.REDIS_URL ? '' : ' (local, AOF)'}
  Taiga       ${taiga.description}
${forge ? `  Forge       ${forge.description}\n` : ''}  ingester    http://127.0.0.1:${ports.ingester}   (webhooks: /webhooks/taiga/<project>, /webhooks/github, /webhooks/gitlab, /webhooks/ci)
  API         http://127.0.0.1:${ports.api}/api/v1   (token in ${shownStateDir}/secrets.json: apiToken)
  console     http://127.0.0.1:${ports.api}/console   (sign in with that token; queues at /console/queues)
  planner     http://127.0.0.1:${ports.planner}/metrics
  executor    http://127.0.0.1:${ports.executor}/metrics
  qa          http://127.0.0.1:${ports.qa}/metrics
  reporter    http://127.0.0.1:${ports.reporter}/metrics   (reports in .tundra/reports; try pnpm tundra report flow --project demo)
${
  demo
    ? `
Try it: in another terminal, assign the demo story to the bot (as the sandbox's admin):

  pnpm demo:assign

then watch the run in the console, http://127.0.0.1:${ports.api}/console, or:  pnpm tundra runs list --project demo   (TUNDRA_API_URL=http://127.0.0.1:${ports.api}, TUNDRA_API_TOKEN from ${shownStateDir}/secrets.json)
The run ends in a pull request on the forge sandbox (${demoForge.repo}), the story in "Ready for test". Review it:

  pnpm demo:review request-changes "Say hello in French"   (a fix-up step runs and is pushed)
  pnpm demo:review merge                                    (the story is done)
`
    : ''
}`);
