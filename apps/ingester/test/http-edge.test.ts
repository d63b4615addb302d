import { once } from 'node:events';
import { request } from 'node:http';
import { rawRequest } from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngester, type TestIngester, taigaHeaders } from './harness.js';

let ingester: TestIngester;
const logLines: { level: number; msg: string; kind?: string; suppressed?: number }[] = [];
beforeAll(async () => {
  ingester = await startTestIngester(
    {
      TUNDRA_HTTP_HEADERS_TIMEOUT_MS: '400',
      TUNDRA_HTTP_BODY_TIMEOUT_MS: '400',
      TUNDRA_HTTP_REQUEST_TIMEOUT_MS: '3000',
      TUNDRA_REJECTION_LOG_INTERVAL_MS: '500',
      // This source is left unconfigured: everything sent to it is refused.
      TUNDRA_GITLAB_WEBHOOK_TOKEN: '',
    },
    { logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) }) },
  );
});
afterAll(async () => ingester?.stop());

const path = '/webhooks/taiga/demo';

/** A POST sent chunk by chunk (no Content-Length): the ingester only learns the size while reading. */
async function postChunked(chunks: string[], headers: Record<string, string>) {
  const req = request(`${ingester.url}${path}`, { method: 'POST', headers });
  for (const chunk of chunks) req.write(chunk);
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let text = '';
  for await (const part of res) text += part;
  return {
    status: res.statusCode,
    json: JSON.parse(text),
    chunked: req.getHeader('content-length') === undefined,
  };
}

async function rejections(reason: string, source = 'taiga'): Promise<number> {
  const metric = await ingester.registry.getSingleMetric('tundra_webhook_rejections_total')!.get();
  return metric.values.find((v) => v.labels.source === source && v.labels.reason === reason)?.value ?? 0;
}

async function httpRejections(reason: string): Promise<number> {
  const metric = await ingester.registry.getSingleMetric('tundra_http_rejections_total')!.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** A JSON error in the ingester's shape, with the reason. */
function expectJsonError(reply: { headers: Record<string, string>; body: string }, error: string) {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(reply.body)).toMatchObject({ error, message: expect.any(String) });
}

describe('the webhook endpoints over HTTP', () => {
  it('refuses a streamed body that grows past the limit with 413, without a Content-Length to go by', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const count = Math.ceil(ingester.config.TUNDRA_INGEST_MAX_BODY_BYTES / chunk.length) + 1;
    const response = await postChunked(Array(count).fill(chunk), {
      'content-type': 'application/json',
      'x-taiga-webhook-signature': 'irrelevant',
    });
    expect(response).toMatchObject({ status: 413, json: { error: 'too_large' }, chunked: true });
  });

  it('refuses a compressed body with 415, naming the encoding', async () => {
    const body = '{}';
    const response = await ingester.post(path, body, { ...taigaHeaders(body), 'content-encoding': 'gzip' });
    expect(response.status).toBe(415);
    expect(response.json).toEqual({
      error: 'unsupported_media_type',
      message: 'Content-Encoding gzip is not supported: send the body uncompressed',
    });
  });

  it('takes application/json with a utf-8 charset, as senders send it', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      const response = await ingester.post(path, 'not json', {
        ...taigaHeaders('not json'),
        'content-type': type,
      });
      // Past the media type check: the signature holds, the bytes are not JSON.
      expect(response).toMatchObject({ status: 400, json: { error: 'malformed_json' } });
    }
  });

  it.each([
    'application/aaaa',
    'application/+json',
    'application/vnd.taiga+json',
    'application/jsonx',
    'application/json; charset=latin1',
    'text/json',
  ])('refuses %s with 415', async (type) => {
    const response = await ingester.post(path, '{}', { ...taigaHeaders('{}'), 'content-type': type });
    expect(response).toMatchObject({ status: 415, json: { error: 'unsupported_media_type' } });
  });

  it('answers a stalled body with 408 in JSON once the body timeout passes, and counts it', async () => {
    const before = await rejections('timeout');
    const reply = await rawRequest(
      ingester.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
    );
    expect(reply.status).toBe(408);
    expectJsonError(reply, 'timeout');
    expect(reply.elapsedMs).toBeLessThan(2_500);
    expect(await rejections('timeout')).toBe(before + 1);
  });

  it('answers a body shorter than its Content-Length with 400 as soon as the sender stops, and counts it', async () => {
    const before = await httpRejections('incomplete_request');
    const reply = await rawRequest(
      ingester.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1}`,
      { end: true },
    );
    expect(reply.status).toBe(400);
    expectJsonError(reply, 'incomplete_request');
    expect(reply.elapsedMs).toBeLessThan(300);
    expect(await httpRejections('incomplete_request')).toBe(before + 1);
  });

  it.each([
    ['headers that never end', `POST ${path} HTTP/1.1\r\nHost: x\r\n`, 408, 'request_timeout'],
    [
      'too many header bytes',
      `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    [
      'a control character in a header',
      `POST ${path} HTTP/1.1\r\nHost: x\r\nX-A: b\x01c\r\n\r\n`,
      400,
      'malformed_request',
    ],
    [
      'a broken chunked body',
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n`,
      400,
      'malformed_request',
    ],
  ] as const)('answers %s with a JSON error, and counts it', async (_what, payload, status, reason) => {
    const before = await httpRejections(reason);
    const reply = await rawRequest(ingester.url, payload);
    expect(reply.status).toBe(status);
    expectJsonError(reply, reason);
    expect(await httpRejections(reason)).toBe(before + 1);
  });

  it('counts a body the sender cut off, and keeps serving', async () => {
    const before = await httpRejections('incomplete_request');
    const req = request(`${ingester.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000' },
    });
    req.on('error', () => undefined);
    req.write('{"action":');
    await new Promise((resolve) => setImmediate(resolve));
    req.destroy();
    await expect.poll(() => httpRejections('incomplete_request')).toBe(before + 1);
    expect((await fetch(`${ingester.url}/health`)).status).toBe(200);
  });

  it('matches webhook paths as express would (any case, a trailing slash), and leaves other methods to the 404', async () => {
    expect(
      await ingester.post('/Webhooks/GitHub/', '{}', { 'content-type': 'application/json' }),
    ).toMatchObject({
      status: 401,
      json: { error: 'missing_signature' },
    });
    const get = await fetch(`${ingester.url}/webhooks/github`);
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({ error: 'not_found', message: 'no such endpoint' });
  });

  it('decodes the project key of the URL', async () => {
    const response = await ingester.post('/webhooks/taiga/d%65mo', '{}', taigaHeaders('{}'));
    // `demo`, so not a 404: the test action shape is missing, which is a 400 about the body.
    expect(response).toMatchObject({ status: 400, json: { error: 'invalid_payload' } });
  });
});

describe('logging refusals', () => {
  it('logs a flood of posts to an unconfigured source once per interval, with the count, and counts each', async () => {
    const before = await rejections('no_secret', 'gitlab');
    const logged = () => logLines.filter((line) => line.kind === 'gitlab:no_secret');
    for (let i = 0; i < 50; i++) {
      const response = await ingester.post('/webhooks/gitlab', '{}', { 'content-type': 'application/json' });
      expect(response.status).toBe(401);
    }
    expect(await rejections('no_secret', 'gitlab')).toBe(before + 50);
    const accounted = () => logged().reduce((sum, line) => sum + (line.suppressed ?? 1), 0);
    await expect.poll(accounted, { timeout: 5_000 }).toBe(50);
    expect(logged().length).toBeLessThan(10);
    expect(logged()[0]).toMatchObject({ level: 50, msg: 'webhook secret not configured' });
  });
});
