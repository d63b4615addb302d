import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createKeys } from '@tundra/core/server';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';

/**
 * Redis behind one door: an app's Redis state is read and written by store modules (a `store/` folder: core's, or
 * the app's own), over core's one key module. Handlers and services get repositories, never a client or a key.
 */

/**
 * The wiring: where connections are made and repositories built, and the connections that are no repository's
 * (readiness, BullMQ, pub/sub). These may hold a client and core's keys, but call no Redis command either.
 */
const wiring = new Set([
  'apps/api/src/app.ts',
  'apps/api/src/server.ts',
  'apps/api/src/reports/api-reports.ts',
  'apps/executor/src/main.ts',
  // The control channel's subscriber: a pub/sub connection, no state.
  'apps/executor/src/control/stop-signal-hub.ts',
  'apps/ingester/src/ingester.ts',
  'apps/qa/src/qa-handlers.ts',
  'apps/reporter/src/reporter-handlers.ts',
]);

/** Commands that read or write state; connection lifecycle (connect, quit) and pub/sub are the wiring's. */
const commands = [
  'get',
  'set',
  'del',
  'exists',
  'expire',
  'pexpire',
  'ttl',
  'pttl',
  'incr',
  'incrby',
  'hget',
  'hset',
  'hsetnx',
  'hgetall',
  'hmget',
  'hdel',
  'hexists',
  'hvals',
  'hkeys',
  'hincrby',
  'sadd',
  'srem',
  'smembers',
  'sismember',
  'zadd',
  'zrem',
  'zscore',
  'zrange',
  'zrangebyscore',
  'zcard',
  'xadd',
  'xrange',
  'xrangeBuffer',
  'xrevrange',
  'xread',
  'xlen',
  'xtrim',
  'eval',
  'evalsha',
  'multi',
  'pipeline',
  'scan',
  'publish',
];
const rawCommand = new RegExp(
  `(?:\\b(?:redis|client|subscriber|reader|connection)|\\.redis)\\s*\\.\\s*(?:${commands.join('|')})\\s*\\(`,
);
/** What only a store module (or the wiring) holds: a client's type, a connection of its own, a key. */
const clientOrKeys = [
  /\bimport\b[^;]*\b(?:RedisClient|Keys|IngestKeys|createKeys|duplicateRedis)\b[^;]*from\s+'@tundra\/core\/server'/,
  /from\s+'ioredis'/,
  // A key built from core's key module: any of its builders, called on whatever holds the keys.
  new RegExp(`[kK]eys\\s*\\.\\s*(?:${keyBuilders().join('|')})\\s*\\(`),
];

function keyBuilders(): string[] {
  const keys = createKeys();
  return [...Object.keys(keys), ...Object.keys(keys.ingest)].filter((name) => name !== 'prefix');
}

/** What is wrong with one module's source, by rule; empty when it keeps to the door. */
function violations(path: string, source: string): string[] {
  if (path.split('/').includes('store')) return [];
  const found: string[] = [];
  source.split('\n').forEach((line, index) => {
    if (/^\s*(?:\/\/|\*|\/\*)/.test(line)) return;
    const at = `${path}:${index + 1}`;
    if (rawCommand.test(line))
      found.push(`${at} calls a Redis command outside a store module: ${line.trim()}`);
  });
  if (!wiring.has(path)) {
    const flat = source.replaceAll(/\n\s*/g, ' ');
    for (const rule of clientOrKeys) {
      const match = rule.exec(flat);
      if (match) found.push(`${path} holds a Redis client or key outside a store module: ${match[0]}`);
    }
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('Redis behind one door', () => {
  it("keeps every app's Redis commands and keys in store modules", () => {
    const apps = join(repoRoot, 'apps');
    const modules = readdirSync(apps).flatMap((app) => {
      try {
        return sources(join(apps, app, 'src'));
      } catch {
        return [];
      }
    });
    expect(modules.length).toBeGreaterThan(100);
    const found = modules.flatMap((path) => violations(relative(repoRoot, path), readFileSync(path, 'utf8')));
    expect(found).toEqual([]);
  });

  it('lists only wiring modules that exist', () => {
    const missing = [...wiring].filter((path) => {
      try {
        readFileSync(join(repoRoot, path));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('flags a handler that takes a client, builds a key or calls a command', () => {
    const handler = [
      "import type { Keys, RedisClient } from '@tundra/core/server';",
      'export async function handle(deps: { redis: RedisClient; keys: Keys }) {',
      '  await deps.redis.hget(deps.keys.run("r"), "status");',
      '}',
    ].join('\n');
    const found = violations('apps/x/src/handlers/handle.ts', handler);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/:3 calls a Redis command/);
    expect(violations('apps/x/src/store/records.ts', handler)).toEqual([]);
    // The wiring builds repositories from a client but calls no command itself.
    expect(violations('apps/api/src/app.ts', handler)).toHaveLength(1);
  });
});
