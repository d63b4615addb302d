import { createStateStore } from '@tundra/core/server';
import { startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import { createTestRedis, spawnApp, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from './harness.js';

let redis: TestRedis;
let taiga: TaigaSandbox;
beforeAll(async () => {
  redis = await createTestRedis();
  taiga = await startTaigaSandbox();
});
afterAll(async () => {
  await taiga.stop();
  await redis.stop();
});

const token = 'main-test-token-0123456789';

describe('the api app', () => {
  it('serves, and on SIGTERM ends live tails and exits 0', async () => {
    const proc = spawnApp('apps/api/src/main.ts', {
      ...redis.env,
      TUNDRA_REDIS_PREFIX: redis.prefix,
      TUNDRA_API_PORT: '0',
      TUNDRA_API_HOST: '127.0.0.1',
      TUNDRA_API_TOKEN: token,
      TUNDRA_TAIGA_URL: taiga.url,
      TUNDRA_TAIGA_USERNAME: 'taiga-bot',
      TUNDRA_TAIGA_PASSWORD: 'bot12345',
    });
    try {
      const listening = await proc.waitForLine((line) => line.msg === 'api listening');
      await proc.waitForLine((line) => line.msg === 'api is ready');
      const base = `http://127.0.0.1:${listening.port as number}`;
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', app: 'api' });
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/projects`)).status).toBe(401);
      const projects = await fetch(`${base}/api/v1/projects`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await projects.json()).toEqual({ projects: [] });
      const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
      const created = await store.runs.createRun({
        projectId: 'main',
        taigaItem: { type: 'userstory', id: 1, ref: 1 },
        title: 't',
        correlationId: 'c',
        actor: { kind: 'system', name: 'test' },
      });
      const runId = created.kind === 'created' ? created.run.id : '';
      const live = await openSse(`${base}/api/v1/runs/${runId}/events/stream`, {
        authorization: `Bearer ${token}`,
      });
      expect(await live.take(1)).toMatchObject([{ event: 'protocol_run.created' }]);
      void proc.stop('SIGTERM');
      await live.ended();
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
    }
    expect(proc.lines.map((line) => line.msg)).toContain('api stopped');
  });

  it('refuses to start on a bad environment, naming every problem', async () => {
    const proc = spawnApp('apps/api/src/main.ts', { TUNDRA_API_PORT: 'eighty', TUNDRA_TAIGA_URL: 'nope' });
    expect(await proc.exited).toBe(2);
    const message = proc.stderr.join('\n');
    for (const variable of [
      'TUNDRA_API_PORT',
      'TUNDRA_API_TOKEN',
      'TUNDRA_TAIGA_URL',
      'TUNDRA_TAIGA_USERNAME',
    ]) {
      expect(message).toContain(variable);
    }
  });
});
