import { afterEach, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let harness: ApiHarness;
afterEach(async () => {
  await harness.stop();
});

const reports = {
  timeZone: 'Europe/Paris',
  destinations: { taigaWiki: {} },
  schedules: [{ name: 'weekly', report: 'flow' as const, cron: '0 9 * * 1' }],
  rules: [],
};

async function get(
  path: string,
  headers: Record<string, string> = { authorization: `Bearer ${adminToken}` },
) {
  const response = await fetch(`${harness.url}/api/v1${path}`, { headers });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cache: response.headers.get('x-report-cache'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe('GET /projects/{id}/reports/{kind}', () => {
  it('serves every format, cached, from the project Taiga data', async () => {
    harness = await startHarness();
    await harness.putProject({
      id: 'demo',
      taiga: {
        projectId: harness.seed.project.id,
        projectSlug: harness.seed.project.slug,
        webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET',
      },
      reports,
    });

    const json = await get('/projects/demo/reports/flow?since=2020-01-01');
    expect(json).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', cache: 'miss' });
    const report = JSON.parse(json.body.toString('utf8'));
    expect(report).toMatchObject({
      kind: 'flow',
      project: { id: 'demo' },
      period: { timeZone: 'Europe/Paris' },
    });
    expect(report.tables.find((t: { name: string }) => t.name === 'stories').rows).toHaveLength(1);
    expect((await get('/projects/demo/reports/flow?since=2020-01-01')).cache).toBe('hit');

    const png = await get('/projects/demo/reports/flow?format=png&chart=throughput');
    expect(png.type).toBe('image/png');
    expect(png.body.subarray(1, 4).toString('ascii')).toBe('PNG');
    const csv = await get('/projects/demo/reports/bugs?format=csv');
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.body.toString('utf8').split('\r\n')[0]).toBe(
      'ref,subject,type,severity,priority,status,created,closed,days_to_close,open_days',
    );
    const md = await get('/projects/demo/reports/aging?format=md');
    expect(md.body.toString('utf8')).toMatch(/^# Aging and stuck work — Demo project/);
    expect(md.body.toString('utf8')).toContain(
      '![Open items by days in their status](data:image/png;base64,',
    );
    const html = await get('/projects/demo/reports/work?format=html');
    expect(html.body.toString('utf8')).toContain('<svg');
  });

  it('answers 400 to a bad period or a chart the report lacks, 422 when Taiga refuses, 404 to another project token', async () => {
    harness = await startHarness();
    await harness.putProject({
      id: 'demo',
      taiga: {
        projectId: harness.seed.project.id,
        projectSlug: harness.seed.project.slug,
        webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET',
      },
      reports,
    });
    await harness.putProject({
      id: 'other',
      taiga: { projectId: 999, projectSlug: 'nope', webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET' },
    });
    const error = async (path: string, headers?: Record<string, string>) => {
      const reply = await get(path, headers);
      const body = JSON.parse(reply.body.toString('utf8'));
      return { status: reply.status, code: body.error?.code ?? JSON.stringify(body).slice(0, 200) };
    };
    expect(await error('/projects/demo/reports/flow?since=yesterday')).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await error('/projects/demo/reports/exceptions?format=png')).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await error('/projects/demo/reports/nonsense')).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await error('/projects/other/reports/flow')).toEqual({ status: 422, code: 'TAIGA_CHECK_FAILED' });

    const token = await harness.projectToken('other');
    expect(await error('/projects/demo/reports/flow', { 'x-project-token': token })).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await error('/projects/demo/reports/flow')).toEqual(
      expect.objectContaining({ status: expect.any(Number) }),
    );
  });
});

describe('GET /reports/schedules', () => {
  it('lists the schedules an admin or a project token may see', async () => {
    harness = await startHarness();
    await harness.putProject({ id: 'demo', reports });
    await harness.putProject({
      id: 'other',
      reports: { ...reports, schedules: [{ name: 'daily', report: 'exceptions', cron: '0 8 * * *' }] },
    });
    const all = await harness.request('GET', '/reports/schedules');
    expect(
      all.body.schedules
        .map((s: { projectId: string; schedule: string }) => `${s.projectId}/${s.schedule}`)
        .sort(),
    ).toEqual(['demo/weekly', 'other/daily']);
    expect(all.body.schedules[0]).toMatchObject({ timeZone: 'Europe/Paris', next: null });
    const token = await harness.projectToken('other');
    const own = await harness.request('GET', '/reports/schedules', { projectToken: token });
    expect(own.body.schedules.map((s: { projectId: string }) => s.projectId)).toEqual(['other']);
    expect(
      (await harness.request('GET', '/reports/schedules?project=demo', { projectToken: token })).status,
    ).toBe(404);
  });
});
