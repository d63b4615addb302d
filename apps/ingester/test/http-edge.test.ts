import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngester, type TestIngester, taigaHeaders } from './harness.js';

let ingester: TestIngester;
beforeAll(async () => {
  ingester = await startTestIngester();
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

async function rejections(reason: string): Promise<number> {
  const metric = await ingester.registry.getSingleMetric('tundra_webhook_rejections_total')!.get();
  return metric.values.find((v) => v.labels.source === 'taiga' && v.labels.reason === reason)?.value ?? 0;
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

  it('takes a JSON media type with parameters, and +json types', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/vnd.taiga+json']) {
      const response = await ingester.post(path, 'not json', {
        ...taigaHeaders('not json'),
        'content-type': type,
      });
      // Past the media type check: the signature holds, the bytes are not JSON.
      expect(response).toMatchObject({ status: 400, json: { error: 'malformed_json' } });
    }
  });

  it('counts a body the sender cut off, and keeps serving', async () => {
    const before = await rejections('malformed_json');
    const req = request(`${ingester.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000' },
    });
    req.on('error', () => undefined);
    req.write('{"action":');
    await new Promise((resolve) => setImmediate(resolve));
    req.destroy();
    await expect.poll(() => rejections('malformed_json')).toBe(before + 1);
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
