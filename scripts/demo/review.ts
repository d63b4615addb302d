// `pnpm demo:review request-changes [text]` / `pnpm demo:review merge`: acts as the demo's reviewer on the demo
// run's pull request in the forge sandbox, which sends the webhooks to the ingester as GitHub would.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { demoForge } from './demo-forge.js';

const root = resolve(import.meta.dirname, '../..');
if (existsSync(resolve(root, '.env'))) process.loadEnvFile(resolve(root, '.env'));
const githubUrl = `http://127.0.0.1:${process.env.TUNDRA_FORGE_SANDBOX_GITHUB_PORT ?? '9300'}`;
const [action, ...words] = process.argv.slice(2);
const usage = 'usage: pnpm demo:review request-changes [what to change] | pnpm demo:review merge';

async function sandbox(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${githubUrl}/_sandbox/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new Error(`the forge sandbox does not answer at ${githubUrl} (is pnpm start running?): ${error}`);
  });
  if (!answer.ok) throw new Error(`the forge sandbox refused ${path}: ${await answer.text()}`);
  return answer.json();
}

const pulls = (await sandbox('GET', `repos/${demoForge.repo}/pulls`)) as {
  number: number;
  state: string;
  title: string;
  head: string;
}[];
const open = pulls.filter((pull) => pull.state === 'open').at(-1);
if (!open) {
  console.error(
    `No open pull request on ${demoForge.repo} yet: run pnpm demo:assign and wait for the run to end.`,
  );
  process.exit(1);
}
const act = (body: Record<string, unknown>) =>
  sandbox('POST', 'act', { as: demoForge.reviewer, repo: demoForge.repo, number: open.number, ...body });
switch (action) {
  case 'request-changes': {
    const text = words.join(' ') || 'Please add a line saying what this change is for.';
    await act({ action: 'request_changes', body: text });
    console.log(
      `@${demoForge.reviewer} asked for changes on #${open.number} "${open.title}": Tundra adds a fix-up step, runs it and pushes it to ${open.head}, then replies on the pull request. Watch pnpm tundra runs list --project demo.`,
    );
    break;
  }
  case 'merge':
    await act({ action: 'merge' });
    console.log(
      `@${demoForge.reviewer} merged #${open.number}: the run completes and the Taiga story is done.`,
    );
    break;
  default:
    console.error(usage);
    process.exit(2);
}
