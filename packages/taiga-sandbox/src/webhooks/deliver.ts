import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signTaigaWebhook } from '@tundra/taiga/webhook-signature';

/** What one POST to a webhook URL did. `status` is 0 when no HTTP answer came back (Taiga logs it so). */
export interface DeliveryOutcome {
  status: number;
  /** The headers Taiga logs as `request_headers` (what `requests` prepared, before urllib3 adds its own). */
  requestHeaders: Record<string, string>;
  /** Every header sent on the wire, in order. */
  sentHeaders: Record<string, string>;
  responseText: string | null;
  responseHeaders: Record<string, string>;
  error: string | null;
  durationSeconds: number;
}

/**
 * POSTs a signed webhook body the way taiga-back does (`requests` over urllib3): the same headers in the same order,
 * sent once, with no timeout and no retry.
 */
export function deliverWebhook(url: string, key: string, rawBody: string): Promise<DeliveryOutcome> {
  const body = Buffer.from(rawBody, 'utf8');
  const signature = signTaigaWebhook(body, key);
  const requestHeaders = {
    'X-TAIGA-WEBHOOK-SIGNATURE': signature,
    'X-Hub-Signature': `sha1=${signature}`,
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
  };
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let target: URL | null = null;
  try {
    target = new URL(url);
  } catch {
    // Logged as a failed delivery below, as `requests` would fail on it.
  }
  const sentHeaders = {
    Host: target?.host ?? '',
    'Accept-Encoding': 'identity',
    'X-TAIGA-WEBHOOK-SIGNATURE': requestHeaders['X-TAIGA-WEBHOOK-SIGNATURE'],
    'X-Hub-Signature': requestHeaders['X-Hub-Signature'],
    'Content-Type': requestHeaders['Content-Type'],
    'Content-Length': requestHeaders['Content-Length'],
    'User-Agent': 'python-urllib3/1.26.12',
  };
  const failure = (error: string): DeliveryOutcome => ({
    status: 0,
    requestHeaders,
    sentHeaders,
    responseText: null,
    responseHeaders: {},
    error,
    durationSeconds: 0,
  });
  if (!target) return Promise.resolve(failure(`Invalid URL '${url}'`));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(target, { method: 'POST', headers: sentHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve(failure(error.message)));
      res.on('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (let index = 0; index < res.rawHeaders.length; index += 2) {
          responseHeaders[res.rawHeaders[index] as string] = res.rawHeaders[index + 1] as string;
        }
        resolve({
          status: res.statusCode ?? 0,
          requestHeaders,
          sentHeaders,
          responseText: Buffer.concat(chunks).toString('utf8'),
          responseHeaders,
          error: null,
          durationSeconds: elapsed(),
        });
      });
    });
    req.on('error', (error) => resolve(failure(error.message)));
    req.end(body);
  });
}
