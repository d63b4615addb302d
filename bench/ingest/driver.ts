import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request the driver sends: a path, a body and its headers (built fresh for each, so none is a duplicate). */
export type RequestFactory = () => { path: string; body: string; headers: Record<string, string> };

export interface PhaseResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

function send(port: number, agent: Agent | false, next: RequestFactory): Promise<number> {
  const { path, body, headers } = next();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-length': Buffer.byteLength(body),
          ...(agent === false ? { connection: 'close' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

function summarise(name: string, latencies: number[], errors: number, seconds: number): PhaseResult {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    name,
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const ok = (status: number) => status >= 200 && status < 300;

/** Closed loop: `concurrency` clients over keep-alive connections, each sending its next request on an answer. */
export async function closedLoop(
  name: string,
  port: number,
  next: RequestFactory,
  concurrency: number,
  seconds: number,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        const status = await send(port, agent, next).catch(() => 0);
        if (ok(status)) latencies.push(performance.now() - sent);
        else errors++;
      }
    }),
  );
  agent.destroy();
  return summarise(name, latencies, errors, (performance.now() - start) / 1000);
}

/**
 * Open loop: requests are due at a constant rate whatever the answers do, and each latency is timed from when its
 * request was due, so a server that falls behind shows its queueing (no coordinated omission). `newConnection`
 * opens a TCP connection per request, as Taiga does.
 */
export async function openLoop(
  name: string,
  port: number,
  next: RequestFactory,
  options: { rate: number; seconds: number; newConnection: boolean },
) {
  const agent = options.newConnection ? false : new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  let settled = 0;
  const start = performance.now() + 5;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && start + issued * interval <= now) {
        const due = start + issued * interval;
        issued++;
        send(port, agent, next)
          .then((status) => {
            if (ok(status)) latencies.push(performance.now() - due);
            else errors++;
          })
          .catch(() => errors++)
          .finally(() => {
            settled++;
            if (settled === total) done();
          });
      }
      if (issued < total) setTimeout(tick, Math.max(0, start + issued * interval - performance.now()));
    };
    tick();
  });
  if (agent) agent.destroy();
  return summarise(name, latencies, errors, (performance.now() - start) / 1000);
}
