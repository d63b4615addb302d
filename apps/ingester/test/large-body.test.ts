import { rawRequest, wholeBodyClients } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngester, type TestIngester, taigaHeaders } from './harness.js';

let ingester: TestIngester;
beforeAll(async () => {
  // The shipped limit: a refused body is read and thrown away up to 4 times it, and 2 MiB is within that.
  ingester = await startTestIngester({ TUNDRA_INGEST_MAX_BODY_BYTES: String(1024 * 1024) });
});
afterAll(async () => ingester?.stop());

const twoMiB = Buffer.alloc(2 * 1024 * 1024, 'x');

describe('a body the ingester refuses unread still gets its answer to an ordinary client', () => {
  for (const [client, send] of Object.entries(wholeBodyClients)) {
    it(`${client}: a 2 MiB body gets 413 in JSON, not a broken connection`, async () => {
      for (let i = 0; i < 5; i += 1) {
        const reply = await send(
          `${ingester.url}/webhooks/taiga/demo`,
          twoMiB,
          taigaHeaders(twoMiB.toString()),
        );
        expect(reply.status).toBe(413);
        expect(JSON.parse(reply.body)).toMatchObject({ error: 'too_large' });
      }
    });

    it(`${client}: a 2 MiB body of the wrong media type gets 415 in JSON`, async () => {
      for (let i = 0; i < 5; i += 1) {
        const headers = { ...taigaHeaders(twoMiB.toString()), 'content-type': 'text/plain' };
        const reply = await send(`${ingester.url}/webhooks/taiga/demo`, twoMiB, headers);
        expect(reply.status).toBe(415);
        expect(JSON.parse(reply.body)).toMatchObject({ error: 'unsupported_media_type' });
      }
    });
  }
});

describe('CONNECT', () => {
  it('answers a CONNECT request with 405 in JSON instead of dropping the connection', async () => {
    const reply = await rawRequest(
      ingester.url,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    expect(reply.status).toBe(405);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'method_not_allowed' });
  });
});
