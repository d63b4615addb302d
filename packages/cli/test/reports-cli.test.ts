import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from '../../../apps/api/test/harness.js';
import { tundra } from './tundra-process.js';

let h: ApiHarness;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  env = { TUNDRA_API_URL: h.url, TUNDRA_API_TOKEN: adminToken };
  dir = await mkdtemp(join(tmpdir(), 'tundra-cli-reports-'));
  await h.putProject({
    id: 'demo',
    taiga: {
      projectId: h.seed.project.id,
      projectSlug: h.seed.project.slug,
      webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET',
    },
    reports: {
      timeZone: 'UTC',
      destinations: { taigaWiki: {} },
      schedules: [{ name: 'monday', report: 'flow', cron: '0 9 * * 1' }],
      rules: [],
    },
  });
});
afterAll(async () => {
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tundra report and tundra reports list', () => {
  it('prints a report as Markdown, CSV or JSON, and writes a PNG to a file', async () => {
    const md = await tundra(['report', 'flow', '--project', 'demo', '--since', '2020-01-01'], env);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Flow of stories — Demo project\n\nPeriod: 2020-01-01 – /);
    const csv = await tundra(['report', 'bugs', '--project', 'demo', '--format', 'csv'], env);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'ref,subject,type,severity,priority,status,created,closed,days_to_close,open_days',
    );
    const file = join(dir, 'flow.png');
    const png = await tundra(
      ['report', 'flow', '--project', 'demo', '--format', 'png', '--output', file],
      env,
    );
    expect(png.code).toBe(0);
    expect((await readFile(file)).subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('refuses an unknown report, png to a terminal, and answers a missing project with exit code 3', async () => {
    expect((await tundra(['report', 'velocity', '--project', 'demo'], env)).code).toBe(2);
    expect((await tundra(['report', 'flow', '--project', 'demo', '--format', 'png'], env)).stderr).toMatch(
      /--output/,
    );
    expect((await tundra(['report', 'flow', '--project', 'nope'], env)).code).toBe(3);
  });

  it('lists the schedules', async () => {
    const listed = await tundra(['reports', 'list'], env);
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^PROJECT\s+SCHEDULE\s+REPORT\s+CRON\s+TIME ZONE\s+DESTINATIONS\s+NEXT$/,
    );
    expect(listed.stdout).toMatch(
      /demo\s+monday\s+flow\s+0 9 \* \* 1\s+UTC\s+taigaWiki\s+not registered yet/,
    );
  });
});
