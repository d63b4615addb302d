import { createHmac, randomUUID } from 'node:crypto';
import { startRedisServer } from '@tundra/testkit';
import { closedLoop, type PhaseResult } from '../../../bench/ingest/driver.js';
import { type Answer, openLoop, send } from '../support/http.js';
import { type ScenarioReport, seconds } from '../support/report.js';
import { appNames, type ChaosSystem, redisConnections, secrets, startSystem } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

const rate = 25;
/**
 * How long a webhook waits for Redis before the ingester answers 503 (`TUNDRA_INGEST_REDIS_WAIT_MS`; 5 s shipped):
 * shorter here, so that an outage of a few seconds holds both webhooks that get 503 and webhooks that outlast it.
 */
const redisWaitMs = 2_000;

/**
 * Redis killed with kill -9 in the middle of a steady stream of distinct signed webhooks, and started again from the
 * same AOF directory: every acknowledged delivery is in the inbox and routed, webhooks sent during the outage get
 * 503 with Retry-After within the ingester's wait, /ready says the outage and the recovery, every app reconnects by
 * itself. Run under `appendfsync everysec` (shipped) and, in the full version, `always`; then the cost of `always`
 * to ingest throughput, measured against `everysec` on the same Redis in the same run.
 */
export async function redisRestart(report: ScenarioReport, options: ScenarioOptions): Promise<void> {
  const settings = options.short ? (['everysec'] as const) : (['everysec', 'always'] as const);
  for (const appendfsync of settings) {
    const system = await startSystem({
      appendfsync,
      env: { TUNDRA_INGEST_REDIS_WAIT_MS: String(redisWaitMs) },
    });
    try {
      await killDuringWebhooks(system, report, appendfsync, options);
      if (appendfsync === 'everysec' && !options.short) await throughputOfAlways(system, report);
    } finally {
      await system.stop();
    }
  }
}

/** A GitHub `workflow_run` completion on the project's repository: routed to a `ci.result` job (QA). */
function webhook(system: ChaosSystem, i: number) {
  const body = JSON.stringify({
    action: 'completed',
    workflow_run: {
      conclusion: 'success',
      head_branch: `chaos/branch-${i}`,
      head_sha: createHmac('sha1', 'sha').update(String(i)).digest('hex'),
      html_url: `https://github.example/chaos/origin/actions/runs/${i}`,
      updated_at: new Date().toISOString(),
    },
    repository: { full_name: 'chaos/origin', clone_url: system.origin },
    sender: { id: 1, login: 'chaos' },
  });
  const signature = createHmac('sha256', secrets.githubSecret).update(body).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'workflow_run',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${signature}`,
    },
  };
}

async function killDuringWebhooks(
  system: ChaosSystem,
  report: ScenarioReport,
  appendfsync: string,
  options: ScenarioOptions,
): Promise<void> {
  const label = `appendfsync ${appendfsync}`;
  const { project } = await system.addProject('redis');
  const total = options.short ? 150 : 500;
  // The outage lasts as long as it takes to send this many webhooks: 3 s (short) or 5 s, longer than the wait.
  const killAt = options.short ? 40 : 200;
  const restartAt = killAt + rate * (options.short ? 3 : 5);
  const url = `${system.apps.ingester.url}/webhooks/github`;
  let killed: Promise<number> | undefined;
  let restarted: Promise<void> | undefined;
  const answers = await openLoop(
    total,
    rate,
    (i) => send(url, { ...webhook(system, i), timeoutMs: redisWaitMs + 10_000 }),
    (i) => {
      if (i === killAt) killed = outage(system, report, label);
      if (i === restartAt) restarted = killed!.then(() => recovery(system, report, label));
    },
  );
  await restarted;

  const acknowledged = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
  const unavailable = answers.filter((answer) => answer.status === 503);
  const other = answers.filter(
    (answer) => answer.status < 200 || (answer.status >= 300 && answer.status !== 503),
  );
  report.figure(
    `${label}: answers to ${total} webhooks at ${rate}/s, Redis down for ${(restartAt - killAt) / rate} s`,
    `${acknowledged.length} × 2xx, ${unavailable.length} × 503, ${other.length} other`,
  );
  const missing = await unrouted(system, project.id, acknowledged);
  report.check(
    `${label}: every acknowledged delivery is in the inbox and routed after the restart`,
    acknowledged.length > 0 && missing.length === 0,
    `${acknowledged.length - missing.length}/${acknowledged.length} (lost: ${missing.length})`,
  );
  const withRetryAfter = unavailable.filter((answer) => /^\d+$/.test(String(answer.headers['retry-after'])));
  const slowest = Math.max(...answers.map((answer) => answer.ms));
  report.check(
    `${label}: webhooks during the outage get 503 with Retry-After, no hang, no other error`,
    other.length === 0 && withRetryAfter.length === unavailable.length && slowest <= redisWaitMs + 2_000,
    `${unavailable.length} × 503 (${withRetryAfter.length} with Retry-After), ${other.map(describe).join(', ') || 'no other answer'}; slowest ${seconds(slowest)}`,
  );
}

const describe = (answer: Answer) => (answer.error ? `error ${answer.error}` : `${answer.status}`);

/** kill -9 of Redis; then every app's /ready must say 503 within a second. Resolves with when Redis died. */
async function outage(system: ChaosSystem, report: ScenarioReport, label: string): Promise<number> {
  await system.redis.kill();
  const killedAt = Date.now();
  const ready = await Promise.all(
    appNames.map((name) => send(`${system.apps[name].url}/ready`, { method: 'GET', timeoutMs: 5_000 })),
  );
  const slow = ready.filter((answer) => answer.status !== 503 || answer.ms > 1_000);
  report.check(
    `${label}: /ready of every app says 503 within a second of the outage`,
    slow.length === 0,
    ready.map((answer, i) => `${appNames[i]} ${describe(answer)} in ${Math.round(answer.ms)} ms`).join(', '),
  );
  const api = await send(`${system.apps.api.url}/api/v1/projects`, {
    method: 'GET',
    headers: { authorization: `Bearer ${secrets.apiToken}` },
    timeoutMs: 5_000,
  });
  report.check(
    `${label}: the API answers 503 UNAVAILABLE within a second`,
    api.status === 503 && api.body.includes('"UNAVAILABLE"') && api.ms <= 1_000,
    `${describe(api)} in ${Math.round(api.ms)} ms`,
  );
  return killedAt;
}

/** Redis again from the same directory and port: each app reconnects by itself, and /ready says 200 again. */
async function recovery(system: ChaosSystem, report: ScenarioReport, label: string): Promise<void> {
  system.redis = await startRedisServer({
    appendonly: true,
    appendfsync: label.endsWith('always') ? 'always' : 'everysec',
    dir: system.redis.dir,
    port: system.redis.port,
  });
  const restartedAt = Date.now();
  const back = await Promise.all(
    appNames.map(async (name) => {
      const { proc, url } = system.apps[name];
      for (const connection of redisConnections[name]) {
        await proc.waitForLine(
          (line) => line.msg === 'redis connection restored' && line.connection === connection,
          60_000,
        );
      }
      const ready = await send(`${url}/ready`, { method: 'GET', timeoutMs: 5_000 });
      return { name, ready: ready.status, ms: Date.now() - restartedAt };
    }),
  );
  report.check(
    `${label}: every app reconnects by itself and /ready says 200 again`,
    back.every((app) => app.ready === 200),
    back.map((app) => `${app.name} ${app.ready} after ${seconds(app.ms)}`).join(', '),
  );
}

/** The acknowledged deliveries whose inbox entry or `ci.result` job is missing. */
async function unrouted(
  system: ChaosSystem,
  projectId: string,
  acknowledged: readonly Answer[],
): Promise<string[]> {
  const inbox = `${system.prefix}:{ingest}:inbox`;
  const queue = system.queues.queue('tundra-qa');
  const missing: string[] = [];
  for (const answer of acknowledged) {
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
    const entry = await system.client.xrange(inbox, deliveryId, deliveryId);
    const job = await queue.getJob(`ci.result-${projectId}-${deliveryId}`);
    if (entry.length !== 1 || !job) missing.push(deliveryId);
  }
  return missing;
}

/**
 * The ingest throughput `always` costs against `everysec`: closed-loop load on the same ingester and Redis,
 * switching `appendfsync` with CONFIG SET between phases, in the order ABBA ABBA so that both see the same machine.
 * The workers are paused meanwhile (SIGSTOP): what is measured is the ingester and Redis alone.
 */
async function throughputOfAlways(system: ChaosSystem, report: ScenarioReport) {
  const phaseSeconds = 4;
  const order = [
    'everysec',
    'always',
    'always',
    'everysec',
    'everysec',
    'always',
    'always',
    'everysec',
  ] as const;
  const port = system.apps.ingester.port;
  let i = 1_000_000;
  const next = () => {
    const { body, headers } = webhook(system, i++);
    return { path: '/webhooks/github', body, headers };
  };
  const phases: Record<'everysec' | 'always', PhaseResult[]> = { everysec: [], always: [] };
  const workers = (['planner', 'executor', 'qa'] as const).map((name) => system.apps[name].proc.child);
  for (const child of workers) child.kill('SIGSTOP');
  try {
    await closedLoop('warm-up', port, next, 16, 2);
    for (const setting of order) {
      await system.client.config('SET', 'appendfsync', setting);
      phases[setting].push(await closedLoop(setting, port, next, 16, phaseSeconds));
    }
  } finally {
    await system.client.config('SET', 'appendfsync', 'everysec');
    for (const child of workers) child.kill('SIGCONT');
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
  };
  const of = (setting: 'everysec' | 'always') => ({
    rate: median(phases[setting].map((phase) => phase.perSecond)),
    p50: median(phases[setting].map((phase) => phase.p50)),
    p99: median(phases[setting].map((phase) => phase.p99)),
  });
  const everysec = of('everysec');
  const always = of('always');
  const show = (figures: ReturnType<typeof of>) =>
    `${figures.rate.toFixed(0)} webhooks/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`;
  report.figure(
    'ingest at full load, appendfsync everysec',
    `${show(everysec)} (median of ${order.length / 2} × ${phaseSeconds} s, 16 clients, ABBA order)`,
  );
  report.figure(
    'ingest at full load, appendfsync always',
    `${show(always)}: ${((always.rate / everysec.rate) * 100).toFixed(0)} % of everysec's throughput`,
  );
}
