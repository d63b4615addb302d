import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingesterConfigSchema, startIngester } from '@tundra/ingester';
import { freePort } from '@tundra/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ApiHarness, adminToken, startHarness } from '../../../apps/api/test/harness.js';
import { tundra } from './tundra-process.js';

/**
 * `tundra projects apply` registering the webhook and `tundra projects check` testing it, over real HTTP: the real
 * bin, the API, the real ingester (with the project's key) and the Taiga sandbox, which delivers to the ingester.
 */

const webhookKey = 'key-shared-by-the-api-and-the-ingester';
let h: ApiHarness;
let ingester: { port: number; stop(): Promise<void> };
let ingesterUrl: string;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  const port = await freePort();
  ingesterUrl = `http://127.0.0.1:${port}`;
  const keyOf = (ref: string) => (ref === 'TUNDRA_WEBHOOK_KEY_DEMO' ? webhookKey : undefined);
  h = await startHarness({ webhooks: { ingesterPublicUrl: ingesterUrl, webhookKey: keyOf } });
  ingester = await startIngester({
    config: ingesterConfigSchema.parse({
      ...h.redis.env,
      TUNDRA_REDIS_PREFIX: h.redis.prefix,
      TUNDRA_INGESTER_PORT: String(port),
      TUNDRA_INGESTER_HOST: '127.0.0.1',
      TUNDRA_TAIGA_BOT_USERNAME: 'taiga-bot',
    }),
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    taigaWebhookKey: keyOf,
  });
  env = { TUNDRA_API_URL: h.url, TUNDRA_API_TOKEN: adminToken };
  dir = await mkdtemp(join(tmpdir(), 'tundra-webhook-cli-'));
});
afterAll(async () => {
  await ingester.stop();
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

async function projectsFile(): Promise<string> {
  const file = join(dir, 'demo.yaml');
  await writeFile(
    file,
    stringify({
      id: 'demo',
      name: 'Demo',
      taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO' },
      repository: { url: '/srv/git/demo.git', baseBranch: 'main', pushRemote: null },
      trigger: { onBotAssignment: true, statusSlugs: [] },
      execEngine: { kind: 'command', command: ['claude', '-p'] },
      qaPolicy: { kind: 'manual' },
    }),
  );
  return file;
}

describe('the webhook of a project, from the command line', () => {
  it('prints the steps for a person while the bot may not, then registers it, and the live check passes', async () => {
    const file = await projectsFile();
    const manual = await tundra(['projects', 'apply', '-f', file], env);
    expect(manual.code).toBe(0);
    expect(manual.stdout).toMatch(/demo\s+created\s+1\s+manual/);
    expect(manual.stdout).toContain(
      "demo: Tundra did not register the webhook: the bot user 'taiga-bot' is not an admin",
    );
    expect(manual.stdout).toContain(`  3. URL: ${ingesterUrl}/webhooks/taiga/demo`);
    expect(manual.stdout).toContain('  4. Secret key: the value of TUNDRA_WEBHOOK_KEY_DEMO\n');
    expect(manual.stdout).toContain("  6. Or let Tundra do it: make 'taiga-bot' an admin of the project");
    const noTest = await tundra(['projects', 'check', 'demo'], env);
    expect(noTest.code).toBe(1);
    expect(noTest.stdout).toContain("No test delivery: the bot user 'taiga-bot' is not an admin");

    // The Taiga admin makes the bot a project admin: apply now registers the webhook, once.
    h.taiga.addMember({ project: h.seed.project.id, username: 'taiga-bot', role: 'back', isAdmin: true });
    const registered = await tundra(['projects', 'apply', '-f', file, '--json'], env);
    expect(registered.code).toBe(0);
    const [result] = JSON.parse(registered.stdout).results;
    expect(result).toMatchObject({
      id: 'demo',
      result: 'unchanged',
      webhook: { state: 'created', url: `${ingesterUrl}/webhooks/taiga/demo`, reason: null, steps: [] },
    });
    const again = await tundra(['projects', 'apply', '-f', file], env);
    expect(again.stdout).toMatch(/demo\s+unchanged\s+1\s+unchanged/);

    // A person renames a task: the delivery reaches the ingester, and the check lists it under the test.
    await h.taiga
      .actAs('admin')
      .patchTask(h.seed.tasks[0]!.id, { subject: 'Renamed by a person', version: 1 });
    const check = await tundra(['projects', 'check', 'demo'], env);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain(
      `Webhook ${result.webhook.taigaWebhookId} 'Tundra' → ${ingesterUrl}/webhooks/taiga/demo`,
    );
    expect(check.stdout).toMatch(
      /Test delivery: HTTP 200 in \d+\.\d{3} s: OK: the ingester got Taiga's test delivery for project demo and verified its signature/,
    );
    const rows = check.stdout.split('Last deliveries (newest first):\n')[1]!.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+SENT\s+EVENT\s+STATUS\s+ANSWER$/);
    expect(rows[1]).toMatch(
      /^\d+\s+\S+\s+test\.test\s+200\s+\{"ok":true,"test":true,"source":"taiga","project":"demo"/,
    );
    // A renamed task is nothing Tundra acts on: the ingester verified it and said so.
    expect(rows[2]).toMatch(
      /^\d+\s+\S+\s+task\.change\s+200\s+\{"ignored":true,"reason":"irrelevant_change"\}$/,
    );

    const json = await tundra(['projects', 'check', 'demo', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      test: { status: 200, verified: true, ingesterAnswer: { authenticated: true, project: 'demo' } },
    });
  });

  it('fails the check and says why when the key in Taiga is not the ingester’s', async () => {
    const hooks = await tundra(['projects', 'apply', '-f', await projectsFile(), '--json'], env);
    const id = JSON.parse(hooks.stdout).results[0].webhook.taigaWebhookId as number;
    h.taiga.retargetWebhook(id, `${ingesterUrl}/webhooks/taiga/demo`, 'a-key-someone-typed');
    const check = await tundra(['projects', 'check', 'demo'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('Test delivery: HTTP 401');
    expect(check.stdout).toContain('FAILED: the ingester refused the signature (');
    expect(check.stdout).toContain('is not the value of TUNDRA_WEBHOOK_KEY_DEMO in the ingester');
    // Applying again puts the key back.
    const fixed = await tundra(['projects', 'apply', '-f', await projectsFile()], env);
    expect(fixed.stdout).toMatch(/demo\s+unchanged\s+1\s+updated/);
    expect((await tundra(['projects', 'check', 'demo'], env)).code).toBe(0);
  });
});
