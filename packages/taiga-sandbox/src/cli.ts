import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { DemoSeed, SeedOptions } from './operations/seed.js';
import { startTaigaSandbox, type TaigaSandbox } from './sandbox.js';

const usage = `Usage:
  taiga-sandbox serve [--port N] [--host H] [--public-url URL] [--token-ttl SECONDS] [--page-size N] [--state-file PATH]
                      [--seed [--webhook-url URL] [--webhook-key KEY] [--project-slug SLUG] [--preset taiga-default|tundra]]
  taiga-sandbox seed --url SANDBOX_URL [--webhook-url URL] [--webhook-key KEY] [--project-slug SLUG] [--preset P]

serve keeps running until SIGTERM or SIGINT. With --seed, and for seed, the demo seed (ids, users, passwords) is
printed on stdout as one JSON line; logs go to stderr. With --state-file, the state is read from PATH at start
(when it exists) and kept there: a --seed whose state file holds a seed already prints that one (its webhook
pointed at --webhook-url and --webhook-key) instead of seeding again.
`;

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'token-ttl': { type: 'string' },
  'page-size': { type: 'string' },
  'state-file': { type: 'string' },
  seed: { type: 'boolean' },
  url: { type: 'string' },
  'webhook-url': { type: 'string' },
  'webhook-key': { type: 'string' },
  'project-slug': { type: 'string' },
  preset: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function numberOption(values: Values, name: 'port' | 'token-ttl' | 'page-size'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

function seedOptions(values: Values): SeedOptions {
  const preset = values.preset;
  if (preset !== undefined && preset !== 'tundra' && preset !== 'taiga-default') {
    throw new Error('--preset must be taiga-default or tundra');
  }
  return {
    webhookUrl: values['webhook-url'],
    webhookKey: values['webhook-key'],
    projectSlug: values['project-slug'],
    preset,
  };
}

/** The demo seed: made now, or the one a state file kept, with its webhook pointed where the options say. */
async function seedOnce(sandbox: TaigaSandbox, options: SeedOptions): Promise<DemoSeed> {
  const kept = sandbox.restoredSeed;
  if (kept === null) return sandbox.seedDemo(options);
  if (!kept.webhook || options.webhookUrl === undefined) return kept;
  const webhook = { ...kept.webhook, url: options.webhookUrl, key: options.webhookKey ?? kept.webhook.key };
  sandbox.retargetWebhook(webhook.id, webhook.url, webhook.key);
  return { ...kept, webhook };
}

async function serve(values: Values): Promise<void> {
  const logger = pino({ name: 'taiga-sandbox', level: 'info' }, pino.destination(2));
  const sandbox = await startTaigaSandbox({
    port: numberOption(values, 'port') ?? 8000,
    host: values.host,
    publicUrl: values['public-url'],
    tokenTtlSeconds: numberOption(values, 'token-ttl'),
    defaultPageSize: numberOption(values, 'page-size'),
    stateFile: values['state-file'],
    logger,
  });
  if (values.seed) process.stdout.write(`${JSON.stringify(await seedOnce(sandbox, seedOptions(values)))}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await sandbox.stop();
  logger.info('Taiga sandbox stopped');
}

async function seedRemote(values: Values): Promise<void> {
  if (!values.url) throw new Error('seed needs --url (the running sandbox)');
  const response = await fetch(new URL('/sandbox/seed', values.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(seedOptions(values)),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`seeding failed (${response.status}): ${text}`);
  process.stdout.write(`${text}\n`);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [command] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(usage);
    return;
  }
  if (command === 'serve') return serve(values);
  if (command === 'seed') return seedRemote(values);
  throw new Error(`unknown command ${command}\n${usage}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
