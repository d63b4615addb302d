import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  /** Set when no answer came: the connection failed or was cut. */
  error?: string;
}

/** One request on a new connection (as Taiga sends webhooks), timed from when it was sent to the whole answer. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number },
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (answer: Omit<Answer, 'ms'>) => resolve({ ...answer, ms: performance.now() - started });
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        agent: false,
        headers: {
          ...options.headers,
          ...(options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) }),
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error) => done({ status: 0, headers: {}, body: '', error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (error) => done({ status: 0, headers: {}, body: '', error: error.message }));
    req.end(options.body);
  });
}

/**
 * Open loop: `total` requests due at `rate` per second whatever the answers do (a sender that does not wait for
 * answers, as webhook senders are). `onSent(i)` runs as request i goes out; resolves with every answer in order.
 */
export async function openLoop(
  total: number,
  rate: number,
  next: (i: number) => Promise<Answer>,
  onSent: (i: number) => void = () => undefined,
): Promise<Answer[]> {
  const answers: Promise<Answer>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    answers.push(next(i));
    onSent(i);
  }
  return Promise.all(answers);
}

/** The value of one sample of a Prometheus text exposition, summed over the samples that match. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      sum += Number(match[3]);
    }
  }
  return sum;
}
