import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createStateStore } from '@tundra/core/server';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { type Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taigaCapture } from './fixtures.js';
import {
  botUserId,
  demoSpec,
  ingesterEnv,
  QueueName,
  taigaHeaders,
  taigaSecretRef,
  taigaStyleJson,
} from './harness.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
let redis: TestRedis;
let worker: Worker | undefined;
let restarted: ChildProcess | undefined;
beforeAll(async () => {
  redis = await createTestRedis();
  await createStateStore({ redis: redis.client, prefix: redis.prefix }).projects.put(demoSpec, 0);
});
afterAll(async () => {
  restarted?.kill('SIGKILL');
  await worker?.close();
  await redis?.stop();
});

/** Spawns the real ingester main; resolves with its port once it logged that it listens. */
async function spawnIngester(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'apps/ingester/src/main.ts'],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`ingester exited with ${code} before listening`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'ingester listening' && record.port) return record.port;
    }
    throw new Error('ingester output ended before it listened');
  })();
  return { child, port: await Promise.race([listening, exited]) };
}

describe('ingester main', () => {
  it('keeps the job of an answered webhook when the process is killed right after the 202', async () => {
    const env = ingesterEnv(redis, {
      TUNDRA_LOG_LEVEL: 'info',
      TUNDRA_LOG_FORMAT: 'json',
      [taigaSecretRef]: 'secret123',
      // The jobs follow the 202 by milliseconds, so the kill usually comes first: the restarted ingester's recovery
      // adds them once the accept's grace has passed.
      TUNDRA_INBOX_RECOVERY_GRACE_MS: '300',
      TUNDRA_INBOX_RECOVERY_INTERVAL_MS: '100',
    });
    const { child, port } = await spawnIngester(env);
    const json = structuredClone(taigaCapture('task_create').body_json) as Record<string, any>;
    json.data.assigned_to = { id: botUserId, username: 'bot' };
    const body = taigaStyleJson(json);
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/taiga/demo`, {
      method: 'POST',
      body,
      headers: taigaHeaders(body),
    });
    const answer = (await response.json()) as { deliveryId: string; jobs: string[] };
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(response.status).toBe(202);
    restarted = (await spawnIngester(env)).child;

    // A worker started after the crash finds the job: the event was in Redis, pending, before the sender got its 202.
    const processed = new Promise<Job>((resolve) => {
      worker = new Worker(
        QueueName.Plan,
        async (job) => {
          resolve(job);
          return 'ok';
        },
        { connection: redis.connect(), prefix: redis.queuePrefix },
      );
    });
    const job = await processed;
    expect(job.id).toBe(answer.jobs[0]);
    expect(job.data).toMatchObject({
      projectId: 'demo',
      sourceEventId: answer.deliveryId,
      taigaItem: { type: 'task', id: 1, ref: 2 },
    });
  });

  it('exits with code 2 and names the variable when the configuration is invalid', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'apps/ingester/src/main.ts'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...ingesterEnv(redis), TUNDRA_INGESTER_PORT: 'not-a-port' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('TUNDRA_INGESTER_PORT');
  });
});
