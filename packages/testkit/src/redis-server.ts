import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface RedisProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real `redis-server` on a free port in a temporary directory; resolves once it answers PING.
 * `appendonly` turns on AOF for tests about durability (a restart must keep what was written).
 */
export async function startRedisServer(
  options: { appendonly?: boolean; dir?: string } = {},
): Promise<RedisProcess> {
  const port = await freePort();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tundra-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      options.appendonly ? 'yes' : 'no',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited early with code ${code}`))),
  );
  child.once('error', () => undefined);
  const url = `redis://127.0.0.1:${port}`;
  await Promise.race([waitForPing(url), exited]);
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => (times > 200 ? null : 25),
  });
  // Refused connections are expected until the server listens; the loop below reports a real failure.
  redis.on('error', () => undefined);
  try {
    for (let attempt = 0; attempt < 400; attempt++) {
      try {
        if (redis.status !== 'ready') await redis.connect();
        if ((await redis.ping()) === 'PONG') return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    throw new Error(`redis-server at ${url} did not answer PING`);
  } finally {
    redis.disconnect();
  }
}
