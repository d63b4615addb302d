import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createTestRedis, repoRoot, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys, newRecordId } from './keys.js';
import { SpendLedger } from './spend-ledger.js';

let redis: TestRedis;
let ledger: SpendLedger;

beforeAll(async () => {
  redis = await createTestRedis();
  ledger = new SpendLedger(redis.client, createKeys(redis.prefix));
});
afterAll(async () => redis.stop());

// Run ids of the project, as the store makes them: a run's spend and its project's day share the project's slot.
const runOne = newRecordId('run', 'p1');
const runTwo = newRecordId('run', 'p1');
const raceRun = newRecordId('run', 'race');
const at = { projectId: 'p1', runId: runOne, day: '2026-12-04' };

describe('SpendLedger', () => {
  it('adds each charge to the step, the run and the day, exactly', async () => {
    await ledger.charge({ ...at, stepId: 's1', costUsd: 0.1, tokensIn: 1000, tokensOut: 100 });
    await ledger.charge({ ...at, stepId: 's1', costUsd: 0.2, tokensIn: 500, tokensOut: 50 });
    const spent = await ledger.charge({ ...at, stepId: 's2', costUsd: 0.7, tokensIn: 1, tokensOut: 2 });
    // Micro-dollars: 0.1 + 0.2 + 0.7 is exactly 1.
    expect(spent).toEqual({
      stepCostUsd: 0.7,
      runCostUsd: 1,
      runTokens: 1653,
      runTokensIn: 1501,
      runTokensOut: 152,
      dayCostUsd: 1,
    });
    expect(await ledger.read({ ...at, stepId: 's1' })).toMatchObject({ stepCostUsd: 0.3, runCostUsd: 1 });
    expect(await ledger.runTotals(runOne)).toEqual({
      costUsd: 1,
      tokensIn: 1501,
      tokensOut: 152,
      steps: {
        s1: { costUsd: 0.3, tokensIn: 1500, tokensOut: 150 },
        s2: { costUsd: 0.7, tokensIn: 1, tokensOut: 2 },
      },
    });
    expect(await ledger.dayTotals('p1', '2026-12-04')).toEqual({
      costUsd: 1,
      tokensIn: 1501,
      tokensOut: 152,
    });
    expect(await ledger.dayTotals('p1', '2026-12-05')).toEqual({ costUsd: 0, tokensIn: 0, tokensOut: 0 });
  });

  it('takes a tool’s downward revision as a negative charge', async () => {
    await ledger.charge({ ...at, runId: runTwo, stepId: 's', costUsd: 0.5, tokensIn: 0, tokensOut: 0 });
    const spent = await ledger.charge({
      ...at,
      runId: runTwo,
      stepId: 's',
      costUsd: -0.12,
      tokensIn: 0,
      tokensOut: 0,
    });
    expect(spent.runCostUsd).toBe(0.38);
  });

  it('two executor processes charging one run lose no charge and stop one delta past the limit at most', async () => {
    const goKey = `${redis.prefix}:go`;
    const delta = 0.01;
    const limit = 1;
    const racer = () =>
      new Promise<number[]>((done, fail) => {
        const child = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', resolve(repoRoot, 'packages/core/test/spend-racer.ts')],
          {
            cwd: repoRoot,
            env: {
              PATH: process.env.PATH ?? '',
              REDIS_URL: redis.url,
              PREFIX: redis.prefix,
              RUN_ID: raceRun,
              DELTA_USD: String(delta),
              LIMIT_USD: String(limit),
              GO_KEY: goKey,
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.on('exit', (code) =>
          code === 0
            ? done((JSON.parse(out) as { totals: number[] }).totals)
            : fail(new Error(`exit ${code}`)),
        );
      });
    const racing = Promise.all([racer(), racer()]);
    // Both wait on the list; one push each starts them together.
    await redis.client.rpush(goKey, 'go', 'go');
    const [a, b] = await racing;
    const all = [...a, ...b].sort((x, y) => x - y);
    const total = (await ledger.runTotals(raceRun)).costUsd;
    // Every charge was counted, and each saw a distinct total: the charges were applied one at a time.
    expect(total).toBeCloseTo(all.length * delta, 9);
    expect(all.map((x) => Math.round(x / delta))).toEqual(all.map((_, i) => i + 1));
    // Both raced to the end (neither finished before the other began would make this a single-process test).
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    // Each stops at its first charge past the limit: together they overshoot by at most one delta each.
    expect(total).toBeGreaterThan(limit);
    expect(total).toBeLessThanOrEqual(limit + 2 * delta + 1e-9);
  });
});
