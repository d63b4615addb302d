import { readFileSync } from 'node:fs';
import { createRunningRun } from '@tundra/testkit';
import {
  apiCase,
  apiSlowCase,
  type FuzzCase,
  type FuzzContext,
  ingesterCase,
  ingesterSlowCase,
} from '../fuzz/cases.js';
import { Random } from '../fuzz/random.js';
import { type RawAnswer, rawRequest } from '../fuzz/raw-http.js';
import { collectGarbage, inspectorOptions, inspectorUrl } from '../support/inspector.js';
import type { ScenarioReport } from '../support/report.js';
import { type ChaosSystem, secrets, startSystem } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

/** Connections in parallel: a case the server holds on to must not starve the others. */
const workers = 24;
/** A request that takes longer than this fails the run (slow connections aside: they are meant to hold). */
const requestLimitMs = 5_000;
/** How long a slow connection may hold before the server must have cut it off. */
const slowCapMs = 30_000;

type Target = 'ingester' | 'api';

interface Tally {
  requests: number;
  byStatus: Map<string, number>;
  serverErrors: string[];
  notJson: string[];
  overLimit: string[];
  slowest: number;
  held: string[];
  slowAnswers: string[];
}

/**
 * Seeded, reproducible fuzzing of the ingester and the API for a fixed time each: random and broken bodies, huge and
 * many headers, signature variants, slow senders and bodies that lie about their length, odd methods, paths and
 * queries on every route. No 5xx, no crash, no request over 5 s, every rejection a 4xx with a JSON error, the
 * rejection metric moved, and RSS back within 20 % afterwards (both readings taken after a full collection, so that
 * they compare what the app keeps, not where V8 was in its collection cycle: without it, the same seed read +6 % and
 * +29 % on a quiet machine). `--seed` repeats a run's requests exactly (case `n` of a target is always the same
 * request); a failure names its target, case number and kind.
 */
export async function fuzz(report: ScenarioReport, options: ScenarioOptions): Promise<void> {
  const seconds = options.short ? 15 : 120;
  const system = await startSystem({ maxLines: 2_000, env: { NODE_OPTIONS: inspectorOptions } });
  try {
    await system.addProject('fuzz');
    const { run, steps } = await createRunningRun(system.store, 'fuzz', { steps: 1 });
    const context: FuzzContext = {
      webhookKey: secrets.webhookKey,
      githubSecret: secrets.githubSecret,
      gitlabToken: secrets.gitlabToken,
      ciToken: secrets.ciToken,
      apiToken: secrets.apiToken,
      projectId: 'fuzz',
      runId: run.id,
      stepId: steps[0]!.id,
      apiRoutes: await apiRoutes(system),
    };
    report.figure('fuzz seed', `${options.seed} (repeat with --only fuzz --seed ${options.seed})`);
    for (const target of ['ingester', 'api'] as const) {
      const make = target === 'ingester' ? ingesterCase : apiCase;
      const makeSlow = target === 'ingester' ? ingesterSlowCase : apiSlowCase;
      await fuzzTarget(
        system,
        report,
        target,
        seconds,
        options,
        (i) => make(Random.forCase(options.seed, target, i), context),
        (i) => makeSlow(Random.forCase(options.seed, `${target}-slow`, i), context),
      );
    }
  } finally {
    await system.stop();
  }
}

async function apiRoutes(system: ChaosSystem): Promise<{ method: string; path: string }[]> {
  const response = await fetch(`${system.apps.api.url}/api/v1/openapi.json`, {
    headers: { authorization: `Bearer ${secrets.apiToken}` },
  });
  const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method, path })),
  );
}

const rssTolerance = 0.2;
/** How long the app gets, idle, to give memory back (freed pages go back to the system a little after the collection). */
const rssSettleMs = 30_000;
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`;

/**
 * The RSS once the load is over: sampled each second while the app is idle, until it is back within the tolerance
 * of `before` or `rssSettleMs` passed (a leak never comes back; a heap grown for the load does within seconds).
 */
async function settledRss(pid: number, before: number): Promise<{ rss: number; peak: number; ms: number }> {
  const started = Date.now();
  const peak = rssBytes(pid);
  let rss = peak;
  while (rss / before - 1 > rssTolerance && Date.now() - started < rssSettleMs) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    rss = rssBytes(pid);
  }
  return { rss, peak, ms: Date.now() - started };
}

/** The app's V8 heap in use, from its own metrics (prom-client's default ones). */
async function heapUsed(system: ChaosSystem, target: Target): Promise<number> {
  const text = await (await fetch(`${system.apps[target].url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** The count of rejections the app's metrics report: the ingester's rejection counter, the API's 4xx answers. */
async function rejections(system: ChaosSystem, target: Target): Promise<number> {
  const text = await (await fetch(`${system.apps[target].url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample =
      target === 'ingester'
        ? /^tundra_webhook_rejections_total\{.*\} (\S+)$/.exec(line)
        : /^tundra_api_requests_total\{.*status="4\d\d".*\} (\S+)$/.exec(line);
    if (sample) sum += Number(sample[1]);
  }
  return sum;
}

async function fuzzTarget(
  system: ChaosSystem,
  report: ScenarioReport,
  target: Target,
  seconds: number,
  options: ScenarioOptions,
  nextCase: (i: number) => FuzzCase,
  nextSlowCase: (i: number) => FuzzCase,
): Promise<void> {
  const app = system.apps[target];
  const pid = app.proc.child.pid!;
  const port = app.port;
  const tally: Tally = {
    requests: 0,
    byStatus: new Map(),
    serverErrors: [],
    notJson: [],
    overLimit: [],
    slowest: 0,
    held: [],
    slowAnswers: [],
  };
  // Warm up with the same mix (JIT, pools, caches, a heap sized for the load) before the baseline: what must come
  // back is the working size, not the cold one. A short run warms up as long as it runs: a shorter warm-up left the
  // allocator still growing, and the RSS check measured that growth (+17 % in a 15 s run after 10 s).
  await drive(
    port,
    seconds >= 60 ? 20 : seconds,
    (i) => nextCase(-1 - i),
    () => undefined,
  );
  const inspector = inspectorUrl(app.proc);
  await collectGarbage(inspector);
  const rssBefore = rssBytes(pid);
  const heapBefore = await heapUsed(system, target);
  const rejectedBefore = await rejections(system, target);
  options.log(`fuzz: ${target} for ${seconds} s`);

  const slowCount = seconds >= 60 ? 24 : 6;
  const slow = Promise.all(
    Array.from({ length: slowCount }, async (_, i) => {
      const fuzzCase = nextSlowCase(i);
      const answer = await rawRequest(port, fuzzCase.delivery, slowCapMs);
      const name = `${target} slow #${i} (${fuzzCase.kind})`;
      if (answer.held) tally.held.push(`${name}: held over ${slowCapMs / 1000} s`);
      else tally.slowAnswers.push(`${answer.status ?? 'closed'} after ${(answer.ms / 1000).toFixed(1)} s`);
      record(tally, target, i, fuzzCase, answer, true);
    }),
  );
  await drive(port, seconds, nextCase, (i, fuzzCase, answer) =>
    record(tally, target, i, fuzzCase, answer, false),
  );
  await slow;

  const alive = app.proc.child.exitCode === null && app.proc.child.signalCode === null;
  if (alive) await collectGarbage(inspector);
  const settled = await settledRss(pid, rssBefore);
  const heapAfter = await heapUsed(system, target);
  report.figure(
    `${target}: V8 heap in use after a full collection, before → after`,
    `${mib(heapBefore)} → ${mib(heapAfter)} (a leak grows it; memory the allocator keeps grows only the RSS)`,
  );
  const rejectedAfter = await rejections(system, target);
  const statuses = [...tally.byStatus.entries()]
    .sort()
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  report.figure(`${target}: requests in ${seconds} s`, `${tally.requests}; ${statuses}`);
  report.check(
    `${target}: no 5xx`,
    tally.serverErrors.length === 0,
    summary(tally.serverErrors, tally.requests),
  );
  report.check(
    `${target}: no crash`,
    alive,
    alive ? `pid ${pid} up throughout` : `exited: ${app.proc.child.exitCode ?? app.proc.child.signalCode}`,
  );
  report.check(
    `${target}: no request over ${requestLimitMs / 1000} s`,
    tally.overLimit.length === 0,
    tally.overLimit.length === 0
      ? `slowest ${(tally.slowest / 1000).toFixed(2)} s`
      : summary(tally.overLimit, tally.requests),
  );
  report.check(
    `${target}: slow senders are cut off within ${slowCapMs / 1000} s`,
    tally.held.length === 0,
    tally.held.length === 0
      ? `${slowCount} slow connections: ${tally.slowAnswers.length} answered ${summarise(tally.slowAnswers)}`
      : summary(tally.held, slowCount),
  );
  report.check(
    `${target}: every rejection is a 4xx with a JSON error`,
    tally.notJson.length === 0,
    summary(tally.notJson, tally.requests),
  );
  report.check(
    `${target}: the rejection metric moved`,
    rejectedAfter > rejectedBefore,
    `${rejectedBefore} → ${rejectedAfter}`,
  );
  const growth = settled.rss / rssBefore - 1;
  report.check(
    `${target}: RSS back within 20 % after the run`,
    growth <= rssTolerance,
    `${mib(rssBefore)} → ${mib(settled.peak)} at the end of the load → ${mib(settled.rss)} ${(settled.ms / 1000).toFixed(0)} s later (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)} %)`,
  );
}

/** `workers` connections in parallel, each sending the next case as soon as its previous one is answered. */
async function drive(
  port: number,
  seconds: number,
  nextCase: (i: number) => FuzzCase,
  onAnswer: (i: number, fuzzCase: FuzzCase, answer: RawAnswer) => void,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        const i = next++;
        const fuzzCase = nextCase(i);
        // Past the limit an answer fails anyway: waiting longer would only keep the connection from the next case.
        onAnswer(i, fuzzCase, await rawRequest(port, fuzzCase.delivery, requestLimitMs + 1_000));
      }
    }),
  );
}

/** Judges one answer: a 5xx, a rejection without a JSON error, a request over the limit. */
function record(
  tally: Tally,
  target: Target,
  i: number,
  fuzzCase: FuzzCase,
  answer: RawAnswer,
  slow: boolean,
): void {
  tally.requests++;
  const status = answer.status === null ? (answer.held ? 'held' : 'closed') : String(answer.status);
  tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
  const name = `${target} #${i}${slow ? ' (slow)' : ''} ${fuzzCase.kind} (${requestLine(fuzzCase)})`;
  if (answer.status !== null && answer.status >= 500) tally.serverErrors.push(`${name}: ${answer.status}`);
  const rejected = answer.status === null ? !answer.held : answer.status >= 400 && answer.status < 500;
  // An answer to HEAD has no body by definition: its Content-Type is all it can say.
  const head = fuzzCase.delivery.bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
  if (rejected && !(head ? answer.headers['content-type']?.includes('json') : jsonError(answer))) {
    const closed = `closed without an answer${answer.error ? ` (${answer.error})` : ''}`;
    tally.notJson.push(`${name}: ${answer.status ?? closed}`);
  }
  if (!slow) {
    tally.slowest = Math.max(tally.slowest, answer.ms);
    if (answer.ms > requestLimitMs) tally.overLimit.push(`${name}: ${(answer.ms / 1000).toFixed(1)} s`);
  }
}

/** The case's request line, cut short: enough to tell the route a failure came from. */
function requestLine(fuzzCase: FuzzCase): string {
  const bytes = fuzzCase.delivery.bytes;
  const end = bytes.indexOf('\r\n');
  const line = bytes.subarray(0, end === -1 ? 120 : Math.min(end, 120)).toString('latin1');
  return line.replace(/ HTTP\/1\.[01]$/, '');
}

function jsonError(answer: RawAnswer): boolean {
  if (!answer.headers['content-type']?.includes('json')) return false;
  try {
    return (JSON.parse(answer.body) as { error?: unknown }).error !== undefined;
  } catch {
    return false;
  }
}

/** Answers like `408 after 5.0 s` folded into `408 ×23, closed ×1, after 5.0–5.6 s`. */
function summarise(answers: readonly string[]): string {
  const statuses = new Map<string, number>();
  const times: number[] = [];
  for (const answer of answers) {
    const [status, , time] = answer.split(' ');
    statuses.set(status!, (statuses.get(status!) ?? 0) + 1);
    times.push(Number(time));
  }
  const counts = [...statuses].map(([status, count]) => `${status} ×${count}`).join(', ');
  return `${counts}, after ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} s`;
}

/** The first failures (by kind, with a count), enough to find and repeat them. */
function summary(failures: readonly string[], total: number): string {
  if (failures.length === 0) return `none in ${total}`;
  const kinds = new Map<string, { count: number; first: string }>();
  for (const failure of failures) {
    const kind = failure.replace(/ #\d+/, '').replace(/: .*$/, '');
    const seen = kinds.get(kind);
    if (seen) seen.count++;
    else kinds.set(kind, { count: 1, first: failure });
  }
  return `${failures.length} of ${total}: ${[...kinds.values()].map((k) => `${k.count}× e.g. ${k.first}`).join('; ')}`;
}
