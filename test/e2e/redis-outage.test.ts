import { rmSync } from 'node:fs';
import { startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import { type AppProcess, type RedisProcess, spawnApp, startRedisServer } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The apps answer at once while Redis is down, then come back by themselves once it is up again.
let redis: RedisProcess;
let sandbox: TaigaSandbox;
const apps: Record<string, { proc: AppProcess; url: string; connections: string[] }> = {};
const apiToken = 'outage-api-token-0123456789';

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
  sandbox = await startTaigaSandbox();
  const env = {
    REDIS_URL: redis.url,
    TUNDRA_REDIS_PREFIX: 'outage',
    TUNDRA_LOG_LEVEL: 'info',
    TUNDRA_OPS_HOST: '127.0.0.1',
    TUNDRA_API_TOKEN: apiToken,
    TUNDRA_TAIGA_BOT_USERNAME: 'taiga-bot',
    TUNDRA_TAIGA_URL: sandbox.url,
    TUNDRA_TAIGA_USERNAME: 'taiga-bot',
    TUNDRA_TAIGA_PASSWORD: 'bot12345',
    TUNDRA_INGEST_REDIS_WAIT_MS: '1000',
    TUNDRA_DEMO_WEBHOOK_SECRET: 'demo-webhook-key-0123456789',
  };
  const start = async (app: string, entry: string, portVar: string, connections: string[]) => {
    const proc = spawnApp(entry, { ...env, [portVar]: '0', TUNDRA_INGESTER_HOST: '127.0.0.1' });
    const listening = await proc.waitForLine((line) => typeof line.port === 'number');
    await proc.waitForLine((line) => line.msg === `${app} is ready`);
    apps[app] = { proc, url: `http://127.0.0.1:${listening.port as number}`, connections };
  };
  await Promise.all([
    start('ingester', 'apps/ingester/src/main.ts', 'TUNDRA_INGESTER_PORT', [
      'ingester',
      'ingester-readiness',
    ]),
    start('api', 'apps/api/src/main.ts', 'TUNDRA_API_PORT', ['api-store', 'api-readiness']),
    start('executor', 'apps/executor/src/main.ts', 'TUNDRA_EXECUTOR_PORT', [
      'executor-store',
      'executor-workers',
      'executor-readiness',
    ]),
  ]);
});
afterAll(async () => {
  await Promise.all(Object.values(apps).map(({ proc }) => proc.stop('SIGTERM')));
  await sandbox?.stop();
  await redis?.stop();
  rmSync(redis.dir, { recursive: true, force: true });
});

/** A request that must be answered well within `limitMs`: a hang fails the test instead of stalling it. */
async function bounded(url: string, init: RequestInit = {}, limitMs = 3_000) {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
  const body = (await response.json()) as Record<string, any>;
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

const webhook = JSON.stringify({ action: 'test', type: 'test', by: {}, date: '', data: {} });

describe('a Redis outage', () => {
  it('is reported at once by /ready and the API, webhooks wait a bounded time, and every app recovers', async () => {
    for (const { url } of Object.values(apps)) expect((await bounded(`${url}/ready`)).status).toBe(200);
    await redis.kill();

    for (const [app, { url }] of Object.entries(apps)) {
      const ready = await bounded(`${url}/ready`);
      expect({ app, status: ready.status, redis: ready.body.checks?.redis }).toEqual({
        app,
        status: 503,
        redis: false,
      });
    }
    const listing = await bounded(`${apps.api!.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(listing.status).toBe(503);
    expect(listing.body.error.code).toBe('UNAVAILABLE');
    expect(listing.headers.get('retry-after')).toMatch(/^\d+$/);

    const delivery = await bounded(`${apps.ingester!.url}/webhooks/taiga/demo`, {
      method: 'POST',
      body: webhook,
      headers: { 'content-type': 'application/json', 'x-taiga-webhook-signature': 'unchecked' },
    });
    expect(delivery.status).toBe(503);
    expect(delivery.body.error).toBe('unavailable');
    expect(delivery.headers.get('retry-after')).toMatch(/^\d+$/);

    // Back on the same port, from the same AOF: each app's connections (readiness probe included) come back by
    // themselves, and say so.
    redis = await startRedisServer({ appendonly: true, dir: redis.dir, port: redis.port });
    for (const [app, { proc, url, connections }] of Object.entries(apps)) {
      for (const connection of connections) {
        await proc.waitForLine(
          (line) => line.msg === 'redis connection restored' && line.connection === connection,
        );
      }
      const ready = await bounded(`${url}/ready`);
      expect({ app, status: ready.status }).toEqual({ app, status: 200 });
    }
    const again = await bounded(`${apps.api!.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(again.status).toBe(200);
  });
});
