import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createForgeSandbox } from './sandbox.js';

const usage = `Usage:
  forge-sandbox serve [--host H] [--github-port N] [--gitlab-port N] [--data-dir DIR] [--rate-limit N]

Serves a GitHub-compatible API (/api/v3) and git over HTTP on one port, a GitLab-compatible API (/api/v4) and git
on another, until SIGTERM or SIGINT. Prints {"github": URL, "gitlab": URL} as one JSON line on stdout once both
listen; logs go to stderr. --data-dir keeps repositories and state across restarts. Each server also takes the
sandbox's controls under /_sandbox (see the package README).
`;

const options = {
  host: { type: 'string' },
  'github-port': { type: 'string' },
  'gitlab-port': { type: 'string' },
  'data-dir': { type: 'string' },
  'rate-limit': { type: 'string' },
  help: { type: 'boolean' },
} as const;

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new Error(`--${name} must be a port number`);
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  if (values.help || positionals[0] !== 'serve') {
    process.stdout.write(usage);
    if (!values.help && positionals[0] !== undefined) throw new Error(`unknown command ${positionals[0]}`);
    return;
  }
  const logger = pino({ name: 'forge-sandbox', level: 'info' }, pino.destination(2));
  const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
    throw new Error('--rate-limit must be a positive integer');
  const sandbox = await createForgeSandbox({
    host: values.host,
    githubPort: port(values['github-port'], 'github-port'),
    gitlabPort: port(values['gitlab-port'], 'gitlab-port'),
    dataDir: values['data-dir'],
    rateLimitPerHour: rateLimit,
    logger,
  });
  process.stdout.write(`${JSON.stringify({ github: sandbox.github.url, gitlab: sandbox.gitlab.url })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await sandbox.stop();
  logger.info('forge sandbox stopped');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
