import { createRunningRun, createTestRedis, type TestRedis, testActor } from '@tundra/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../contracts/jobs.js';
import { JobQueues } from '../jobs/job-queues.js';
import { createStateStore, type StateStore } from '../store/index.js';
import { registerStateGauges } from './state-gauges.js';

let redis: TestRedis;
let store: StateStore;
let queues: JobQueues;
/** The store's clock and the gauges' clock: each test sets it, so every age is exact. */
let clock = Date.parse('2030-01-01T00:00:00Z');

beforeAll(async () => {
  redis = await createTestRedis();
  store = createStateStore({ redis: redis.client, prefix: redis.prefix, now: () => new Date(clock) });
  queues = new JobQueues(redis.connect(), redis.prefix);
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
});

function gauges(projects: string[]) {
  const registry = new Registry();
  registerStateGauges({
    registry,
    redis: redis.client,
    keys: store.keys,
    queues,
    projects: async () => projects,
    now: () => clock,
  });
  return registry;
}

/** Every sample of one metric as `{labels} value` lines, sorted, for exact comparison. */
async function samples(registry: Registry, name: string, filter: Record<string, string> = {}) {
  const metric = await registry.getSingleMetric(name)?.get();
  if (!metric) throw new Error(`${name} is not registered`);
  return metric.values
    .filter((v) => Object.entries(filter).every(([k, want]) => v.labels[k] === want))
    .map((v) => `${JSON.stringify(v.labels)} ${v.value}`)
    .sort();
}

/** A run of `projectId` with `stepCount` pending steps, in `running`. */
const runningRun = (projectId: string, stepCount: number) =>
  createRunningRun(store, projectId, { steps: stepCount });

describe('registerStateGauges', () => {
  it('counts runs and steps per project and status, and ages the oldest running step and blocked run', async () => {
    const start = clock;
    const first = await runningRun('alpha', 2);
    await store.runs.transitionStep(first.run.id, first.steps[0]!.id, 'step_started', { actor: testActor });
    await store.runs.transitionRun(first.run.id, 'blocked', { actor: testActor });
    clock = start + 60_000;
    const second = await runningRun('alpha', 1);
    await store.runs.transitionStep(second.run.id, second.steps[0]!.id, 'step_started', { actor: testActor });
    await store.runs.transitionRun(second.run.id, 'blocked', { actor: testActor });
    clock = start + 90_000;

    const registry = gauges(['alpha', 'beta']);
    expect(await samples(registry, 'tundra_runs', { project: 'alpha' })).toEqual(
      [
        ['blocked', 2],
        ['cancelled', 0],
        ['completed', 0],
        ['failed', 0],
        ['in_review', 0],
        ['paused', 0],
        ['pending', 0],
        ['planned', 0],
        ['planning', 0],
        ['running', 0],
      ]
        .map(([status, n]) => `${JSON.stringify({ project: 'alpha', status })} ${n}`)
        .sort(),
    );
    expect(await samples(registry, 'tundra_steps', { project: 'alpha', status: 'running' })).toEqual([
      '{"project":"alpha","status":"running"} 2',
    ]);
    expect(await samples(registry, 'tundra_steps', { project: 'alpha', status: 'pending' })).toEqual([
      '{"project":"alpha","status":"pending"} 1',
    ]);
    // The oldest entered its status at `start`, 90 s before the scrape; a project with nothing reports 0.
    expect(await samples(registry, 'tundra_oldest_running_step_age_seconds')).toEqual([
      '{"project":"alpha"} 90',
      '{"project":"beta"} 0',
    ]);
    expect(await samples(registry, 'tundra_oldest_blocked_run_age_seconds')).toEqual([
      '{"project":"alpha"} 90',
      '{"project":"beta"} 0',
    ]);
    expect(await samples(registry, 'tundra_runs', { project: 'beta', status: 'blocked' })).toEqual([
      '{"project":"beta","status":"blocked"} 0',
    ]);
  });

  it('reports jobs per queue and state, and the age of the oldest waiting job', async () => {
    const registry = gauges([]);
    const plan = queues.queue(QueueName.Plan);
    await plan.add('run.advance', { n: 1 }, { timestamp: clock - 120_000 });
    await plan.add('run.advance', { n: 2 }, { timestamp: clock - 30_000 });
    await plan.add('run.advance', { n: 3 }, { delay: 3_600_000 });
    expect(await samples(registry, 'tundra_queue_jobs', { queue: QueueName.Plan })).toEqual(
      [
        ['active', 0],
        ['delayed', 1],
        ['failed', 0],
        ['waiting', 2],
      ]
        .map(([state, n]) => `${JSON.stringify({ queue: QueueName.Plan, state })} ${n}`)
        .sort(),
    );
    expect(
      await samples(registry, 'tundra_queue_oldest_waiting_age_seconds', { queue: QueueName.Plan }),
    ).toEqual([`{"queue":"${QueueName.Plan}"} 120`]);
    // Every queue of the catalog is reported, empty ones with 0, so a new backlog is a change, not a new series.
    expect(
      await samples(registry, 'tundra_queue_oldest_waiting_age_seconds', { queue: QueueName.Execute }),
    ).toEqual([`{"queue":"${QueueName.Execute}"} 0`]);
    expect(await samples(registry, 'tundra_queue_jobs', { state: 'waiting' })).toHaveLength(
      Object.values(QueueName).length,
    );
  });

  it('reads the state again on every scrape and registers once per registry', async () => {
    const registry = gauges(['gamma']);
    registerStateGauges({
      registry,
      redis: redis.client,
      keys: store.keys,
      queues,
      projects: async () => ['ignored'],
    });
    expect(await samples(registry, 'tundra_runs', { status: 'running' })).toEqual([
      '{"project":"gamma","status":"running"} 0',
    ]);
    await runningRun('gamma', 1);
    expect(await samples(registry, 'tundra_runs', { status: 'running' })).toEqual([
      '{"project":"gamma","status":"running"} 1',
    ]);
    const text = await registry.metrics();
    expect(text.match(/^# TYPE tundra_runs gauge$/gm)).toHaveLength(1);
  });
});
