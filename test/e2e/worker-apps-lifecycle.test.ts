import { createTestRedis, spawnApp, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => redis.stop());

// The planner talks to Taiga only once there is work (no project is registered here), so an address that
// answers nothing is enough for it to start.
const taigaEnv = {
  TUNDRA_TAIGA_URL: 'http://127.0.0.1:9',
  TUNDRA_TAIGA_USERNAME: 'bot',
  TUNDRA_TAIGA_PASSWORD: 'pw',
};
const apps = [
  { app: 'planner', entry: 'apps/planner/src/main.ts', portVar: 'TUNDRA_PLANNER_PORT', env: taigaEnv },
  { app: 'executor', entry: 'apps/executor/src/main.ts', portVar: 'TUNDRA_EXECUTOR_PORT', env: {} },
  { app: 'qa', entry: 'apps/qa/src/main.ts', portVar: 'TUNDRA_QA_PORT', env: {} },
];

describe.each(apps)('$app', ({ app, entry, portVar, env }) => {
  it('starts, reports health and readiness, and exits cleanly on SIGTERM', async () => {
    const proc = spawnApp(entry, {
      ...env,
      ...redis.env,
      TUNDRA_REDIS_PREFIX: redis.prefix,
      TUNDRA_OPS_HOST: '127.0.0.1',
      [portVar]: '0',
    });
    try {
      const listening = await proc.waitForLine((line) => line.msg === 'ops server listening');
      await proc.waitForLine((line) => line.msg === `${app} is ready`);
      const base = `http://127.0.0.1:${listening.port as number}`;
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', app });
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { redis: true } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`process_cpu_user_seconds_total{app="${app}"}`);
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
    }
    expect(proc.lines.map((line) => line.msg)).toContain(`${app} stopped`);
  });

  it('refuses to start on a bad environment, naming every problem at once', async () => {
    const proc = spawnApp(entry, {
      ...env,
      REDIS_URL: 'not-a-url',
      [portVar]: 'eighty',
      TUNDRA_LOG_LEVEL: 'loud',
    });
    expect(await proc.exited).toBe(2);
    const message = proc.stderr.join('\n');
    expect(message).toContain(`${app}: invalid configuration (3 problems)`);
    expect(message).toContain('REDIS_URL');
    expect(message).toContain(portVar);
    expect(message).toContain('TUNDRA_LOG_LEVEL');
  });
});
