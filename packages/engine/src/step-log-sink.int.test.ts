import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngineProcess } from './run-engine-process.js';
import { createStepLogSink } from './step-log-sink.js';

let redis: TestRedis;
let dir: string;

beforeAll(async () => {
  redis = await createTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'tundra-sink-test-'));
});
afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('createStepLogSink', () => {
  it('streams an engine’s lines to Redis in order, batched, with the extra fields', async () => {
    const key = `${redis.prefix}:log:ordered`;
    const path = join(dir, 'chatty.sh');
    writeFileSync(
      path,
      '#!/usr/bin/env bash\nfor i in $(seq 1 1000); do echo "out $i"; done\necho "err" >&2\n',
    );
    chmodSync(path, 0o755);
    const sink = createStepLogSink(redis.client, key, {
      maxLen: 10_000,
      batchSize: 64,
      fields: { attempt: '2' },
    });
    const result = await runEngineProcess({
      command: [path],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      timeoutMs: 10_000,
      onLine: sink.write,
    });
    await sink.flush();
    expect(result.outcome).toBe('succeeded');
    const entries = await redis.client.xrange(key, '-', '+');
    expect(entries).toHaveLength(1001);
    const stdout = entries
      .map(([, fields]) => Object.fromEntries(chunk(fields)))
      .filter((fields) => fields.stream === 'stdout');
    expect(stdout.map((fields) => fields.line)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `out ${i + 1}`),
    );
    expect(stdout[0]).toMatchObject({ attempt: '2' });
    expect(new Date(stdout[0]!.at!).toISOString()).toBe(stdout[0]!.at);
  });

  it('caps the stream approximately', async () => {
    const key = `${redis.prefix}:log:capped`;
    const sink = createStepLogSink(redis.client, key, { maxLen: 100 });
    for (let i = 0; i < 5_000; i++) sink.write('stdout', `line ${i}`);
    await sink.flush();
    const length = await redis.client.xlen(key);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(1_000);
    const [last] = await redis.client.xrevrange(key, '+', '-', 'COUNT', 1);
    expect(last![1]).toContain('line 4999');
  });
});

function chunk(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
