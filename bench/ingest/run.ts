// `pnpm bench:ingest`: drives the real ingester (spawned from apps/ingester/src/main.ts) and a bare node:http
// baseline over loopback with signed Taiga webhooks, against a real Redis, and prints requests/s and latency
// percentiles for each load shape, then the ingester/baseline ratio. Bounded: about a minute in all.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createStateStore } from '@tundra/core/server';
import { buildProjectSpec, freePort, startRedisServer } from '@tundra/testkit';
import { Redis } from 'ioredis';
// The root package does not depend on @tundra/taiga; the signing function is imported by path, not copied.
import { signTaigaWebhook } from '../../packages/taiga/src/webhook-signature.js';
import { type CpuSnapshot, cpuPerRequest, cpuSnapshot } from './cpu.js';
import { closedLoop, openLoop, type PhaseResult, type RequestFactory } from './driver.js';
import { type GcStats, gcStatsFrom } from './gc-stats.js';
import { type JobsAddedStats, jobsAddedFrom } from './jobs-added.js';

const root = new URL('../../', import.meta.url).pathname;
const key = 'bench-webhook-key-0123456789';
const phaseSeconds = Number(process.env.BENCH_PHASE_SECONDS ?? 6);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const botId = 99;

const template = JSON.parse(
  readFileSync(join(root, 'apps/ingester/test/fixtures/taiga/webhook_task_create.json'), 'utf8'),
).body_json as Record<string, any>;

/** A new task assigned to the bot each time: every request is a distinct delivery that starts a run. */
function taigaWebhooks(path: string): RequestFactory {
  let id = 1;
  return () => {
    const json = structuredClone(template);
    json.data.id = id;
    json.data.ref = id + 1;
    json.data.assigned_to = { id: botId, username: 'tundra-bot' };
    id++;
    const body = JSON.stringify(json);
    return {
      path,
      body,
      headers: {
        'content-type': 'application/json',
        'x-taiga-webhook-signature': signTaigaWebhook(body, key),
      },
    };
  };
}

async function waitForHealth(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (healthy) return;
    await delay(50);
  }
  throw new Error('server did not come up');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  await gone;
}

/** `metrics`: the server serves Prometheus metrics (the ingester does; the bare baseline does not). */
type Target = { label: string; port: number; path: string; pid: number; metrics: boolean };
type Measured = PhaseResult & { cpu: CpuSnapshot; gc: GcStats | null; jobsAdded: JobsAddedStats | null };

/**
 * Each load shape runs against the ingester and then the baseline before the next shape starts, so both see the
 * same machine (the 2 cores are shared: interleaving keeps background load from favouring either).
 */
async function measure(targets: Target[], redis: Redis): Promise<Map<string, Measured[]>> {
  const results = new Map(targets.map((t) => [t.label, [] as Measured[]]));
  const factories = new Map(targets.map((t) => [t.label, taigaWebhooks(t.path)]));
  const shapes: ((t: Target) => Promise<PhaseResult>)[] = [
    (t) => closedLoop('full load, keep-alive, 32 clients', t.port, factories.get(t.label)!, 32, phaseSeconds),
    (t) =>
      openLoop(`${rate}/s constant, keep-alive`, t.port, factories.get(t.label)!, {
        rate,
        seconds: phaseSeconds,
        newConnection: false,
      }),
    (t) =>
      openLoop(`${rate}/s constant, new connection each`, t.port, factories.get(t.label)!, {
        rate,
        seconds: phaseSeconds,
        newConnection: true,
      }),
  ];
  for (const t of targets) await closedLoop('warm-up', t.port, factories.get(t.label)!, 16, 2);
  for (const shape of shapes) {
    for (const t of targets) {
      const gc = t.metrics ? await gcStatsFrom(`http://127.0.0.1:${t.port}/metrics`) : null;
      const jobsAdded = t.metrics ? await jobsAddedFrom(`http://127.0.0.1:${t.port}/metrics`) : null;
      const before = await cpuSnapshot(t.pid, redis);
      const phase = await shape(t);
      const cpu = cpuPerRequest(before, await cpuSnapshot(t.pid, redis), phase.requests);
      const result = {
        ...phase,
        cpu,
        gc: gc ? await gc() : null,
        jobsAdded: jobsAdded ? await jobsAdded() : null,
      };
      results.get(t.label)!.push(result);
      console.log(`${t.label.padEnd(9)} ${format(result)}`);
      if (result.gc) console.log(`${''.padEnd(9)} ${formatGc(result.gc)}`);
      if (result.jobsAdded) console.log(`${''.padEnd(9)} ${formatJobsAdded(result.jobsAdded)}`);
    }
  }
  return results;
}

const ms = (value: number) => value.toFixed(2).padStart(7);
function formatGc(gc: GcStats): string {
  return `  GC: ${gc.count} pauses, ${gc.totalMs.toFixed(0)} ms in all, ${gc.over10Ms} over 10 ms`;
}

function formatJobsAdded(stats: JobsAddedStats): string {
  return `  answer → jobs added: ${stats.count} events, p99 ≤ ${stats.p99AtMostMs} ms, all ≤ ${stats.maxBucketMs} ms`;
}

const us = (value: number) => value.toFixed(0).padStart(4);
function format(r: Measured): string {
  return `${r.name.padEnd(40)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  p99.9 ${ms(r.p999)}  max ${ms(r.max)} ms  errors ${r.errors}  cpu/req µs: server ${us(r.cpu.server)} (kernel ${us(r.cpu.serverKernel)}) redis ${us(r.cpu.redis)} driver ${us(r.cpu.driver)}`;
}

const redis = process.env.REDIS_URL
  ? { url: process.env.REDIS_URL, stop: async () => undefined }
  : await startRedisServer();
const children: ChildProcess[] = [];
try {
  // One server: the bench measures the ingester against its bare baseline, not a Cluster.
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null });
  await client.connect();
  const prefix = `bench-${Date.now()}`;
  await createStateStore({ redis: client, prefix }).projects.put(
    buildProjectSpec({
      id: 'bench',
      taiga: { projectId: 1, projectSlug: 'bench', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_BENCH' },
    }),
    0,
  );
  console.log(`node ${process.version}, ${phaseSeconds} s per phase, Redis ${redis.url}\n`);

  const ingesterPort = await freePort();
  const ingester = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROF=<dir>: write the ingester's CPU profile there (open it in Chrome DevTools or speedscope).
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      '--conditions=source',
      '--import',
      'tsx',
      'apps/ingester/src/main.ts',
    ],
    {
      cwd: root,
      // Production settings: JSON logs at info (to /dev/null), as a deployment would write them.
      env: {
        ...process.env,
        NODE_ENV: 'production',
        REDIS_URL: redis.url,
        TUNDRA_REDIS_PREFIX: prefix,
        TUNDRA_INGESTER_HOST: '127.0.0.1',
        TUNDRA_INGESTER_PORT: String(ingesterPort),
        TUNDRA_TAIGA_BOT_USER_ID: String(botId),
        TUNDRA_WEBHOOK_KEY_BENCH: key,
        TUNDRA_LOG_FORMAT: 'json',
        TUNDRA_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(ingester);
  await waitForHealth(ingesterPort, ingester);

  const baselinePort = await freePort();
  const baseline = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'bench/ingest/baseline-server.ts',
      redis.url,
      `${prefix}-baseline`,
      key,
      String(baselinePort),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(baseline);
  await waitForHealth(baselinePort, baseline);

  const results = await measure(
    [
      {
        label: 'ingester',
        port: ingesterPort,
        path: '/webhooks/taiga/bench',
        pid: ingester.pid!,
        metrics: true,
      },
      { label: 'baseline', port: baselinePort, path: '/', pid: baseline.pid!, metrics: false },
    ],
    client,
  );
  const ingesterResults = results.get('ingester')!;
  const baselineResults = results.get('baseline')!;
  // The targets of issue 16, each against the baseline measured in the same run.
  const check = (name: string, value: number, target: string, met: boolean) =>
    console.log(
      `${name.padEnd(58)} ${value.toFixed(2).padStart(6)}  (target ${target}: ${met ? 'met' : 'NOT met'})`,
    );
  const ratio = (i: number, field: (m: Measured) => number) =>
    field(ingesterResults[i]!) / field(baselineResults[i]!);
  console.log('');
  check(
    'throughput ingester/baseline, full load',
    ratio(0, (m) => m.perSecond),
    '>= 0.8',
    ratio(0, (m) => m.perSecond) >= 0.8,
  );
  check(
    `server CPU per webhook ingester/baseline, ${rate}/s keep-alive`,
    ratio(1, (m) => m.cpu.server),
    '<= 1.3',
    ratio(1, (m) => m.cpu.server) <= 1.3,
  );
  check(
    `p99 ingester/baseline, ${rate}/s keep-alive`,
    ratio(1, (m) => m.p99),
    '<= 2',
    ratio(1, (m) => m.p99) <= 2,
  );
  check(
    `p99 ingester/baseline, ${rate}/s new connection each`,
    ratio(2, (m) => m.p99),
    '<= 2',
    ratio(2, (m) => m.p99) <= 2,
  );
  const lag = ingesterResults[1]!.jobsAdded;
  if (lag)
    check(
      `answer → jobs added p99 (ms, bucket bound), ${rate}/s keep-alive`,
      lag.p99AtMostMs,
      '< 20',
      lag.p99AtMostMs < 20,
    );
  // Tens of thousands of dedupe markers: unlink them a scan page at a time (one call would overflow the stack).
  for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 })) {
    if ((keys as string[]).length > 0) await client.unlink(...(keys as string[]));
  }
  await client.quit();
} finally {
  await Promise.all(children.map(stop));
  await redis.stop();
}
