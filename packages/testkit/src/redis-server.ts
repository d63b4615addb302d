import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** Turns on AOF, for tests about durability (a restart must keep what was written). */
  appendonly?: boolean;
  /** With `appendonly`: when the AOF is fsynced (Redis's default is `everysec`). */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Where Redis keeps its files; a temporary directory (removed by `stop`) by default. */
  dir?: string;
  /** A free port by default; give the port of a killed server to start it again where clients look for it. */
  port?: number;
  /** More `redis-server` arguments (a Cluster node's, say). */
  args?: readonly string[];
}

export interface RedisProcess {
  url: string;
  port: number;
  dir: string;
  pid: number;
  /** SIGTERM (Redis writes what it must and exits), then removes a temporary directory. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: the directory stays, for `startRedisServer({ dir, port })` to start it again from. */
  kill(): Promise<void>;
}

/** Starts a real `redis-server` on loopback in a directory of its own; resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tundra-redis-'));
  mkdirSync(dir, { recursive: true });
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
      ...(options.appendfsync ? ['--appendfsync', options.appendfsync] : []),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Redis logs to stdout: its last lines say why it would not start (a port, a config file).
  let lastLog = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    lastLog = (lastLog + chunk.toString()).slice(-600);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited early with code ${code}: ${lastLog.trim().split('\n').at(-1)}`)),
    ),
  );
  exited.catch(() => undefined);
  child.once('error', () => undefined);
  const url = `redis://127.0.0.1:${port}`;
  await Promise.race([waitForPing(url), exited]);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit');
      child.kill(signal);
      await gone;
    }
  };
  return {
    url,
    port,
    dir,
    pid: child.pid!,
    async stop() {
      await end('SIGTERM');
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
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
