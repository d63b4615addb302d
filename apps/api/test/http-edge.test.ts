import { connect } from 'node:net';
import { rawRequest, wholeBodyClients } from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let h: ApiHarness;
const logLines: { level: number; msg: string; suppressed?: number; kind?: string; status?: string }[] = [];
beforeAll(async () => {
  h = await startHarness({
    http: { headersTimeoutMs: 400, bodyTimeoutMs: 400, requestTimeoutMs: 3_000, keepAliveTimeoutMs: 5_000 },
    logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
    rejectionLogIntervalMs: 500,
  });
  await h.putProject({ id: 'edge' });
});
afterAll(async () => h.stop());

const auth = `Authorization: Bearer ${adminToken}\r\n`;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await h.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A JSON error in the API's one shape, with the code. */
function expectJsonError(
  reply: { status: number; headers: Record<string, string>; body: string },
  code: string,
) {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(reply.body)).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('media types', () => {
  it.each([
    'application/aaaa',
    'application/+json',
    'application/vnd.tundra+json',
    'text/plain',
    'application/json; charset=latin1',
    'application/json; boundary=x',
    'application/jsonx',
  ])('refuses a body sent as %s with 415', async (type) => {
    const response = await fetch(`${h.url}/api/v1/projects/edge`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': type },
      body: '{"name": "x"}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect((await h.store.projects.get('edge'))?.name).toBe('Demo project');
  });

  it('refuses a body without a content type, and a compressed one', async () => {
    const untyped = await rawRequest(
      h.url,
      `PATCH /api/v1/projects/edge HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(untyped.status).toBe(415);
    expectJsonError(untyped, 'UNSUPPORTED_MEDIA_TYPE');
    const gzip = await fetch(`${h.url}/api/v1/projects/edge`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: '{}',
    });
    expect(gzip.status).toBe(415);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;Charset="UTF-8"'])(
    'takes %s',
    async (type) => {
      const response = await fetch(`${h.url}/api/v1/projects/edge`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': type },
        body: '{"waitForMerge": false}',
      });
      expect(response.status).toBe(200);
    },
  );

  it('needs no content type for an action sent without a body', async () => {
    const { run } = await h.runningRun('edge', 1);
    const response = await fetch(`${h.url}/api/v1/runs/${run.id}/actions/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'idempotency-key': 'edge-pause' },
    });
    expect(response.status).toBe(200);
  });
});

describe('connections', () => {
  it('answers a stalled body with 408 in JSON once the body timeout passes, and counts it', async () => {
    const before = await metric('tundra_api_requests_total', { status: '408' });
    const reply = await rawRequest(
      h.url,
      `PATCH /api/v1/projects/edge HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
    );
    expect(reply.status).toBe(408);
    expectJsonError(reply, 'REQUEST_TIMEOUT');
    expect(reply.elapsedMs).toBeLessThan(2_500);
    expect(await metric('tundra_api_requests_total', { status: '408' })).toBe(before + 1);
  });

  it('answers a body shorter than its Content-Length with 400 as soon as the sender stops', async () => {
    const before = await metric('tundra_http_rejections_total', { reason: 'incomplete_request' });
    const reply = await rawRequest(
      h.url,
      `PATCH /api/v1/projects/edge HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"x"}`,
      { end: true },
    );
    expect(reply.status).toBe(400);
    expectJsonError(reply, 'BAD_REQUEST');
    expect(reply.elapsedMs).toBeLessThan(300);
    expect(await metric('tundra_http_rejections_total', { reason: 'incomplete_request' })).toBe(before + 1);
  });

  it.each([
    [
      'headers that never end',
      'GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n',
      408,
      'REQUEST_TIMEOUT',
      'request_timeout',
    ],
    [
      'too many header bytes',
      `GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
      'headers_too_large',
    ],
    [
      'a control character in a header',
      'GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-A: b\x01c\r\n\r\n',
      400,
      'BAD_REQUEST',
      'malformed_request',
    ],
    [
      'a broken chunked body',
      `POST /api/v1/projects HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n`,
      400,
      'BAD_REQUEST',
      'malformed_request',
    ],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'BAD_REQUEST', 'malformed_request'],
  ] as const)('answers %s with a JSON error, and counts it', async (_what, payload, status, code, reason) => {
    const before = await metric('tundra_http_rejections_total', { reason });
    const reply = await rawRequest(h.url, payload);
    expect(reply.status).toBe(status);
    expectJsonError(reply, code);
    expect(await metric('tundra_http_rejections_total', { reason })).toBe(before + 1);
  });

  it('keeps serving after all of that', async () => {
    expect((await h.request('GET', '/projects/edge')).status).toBe(200);
  });
});

describe('unauthenticated requests', () => {
  it('are each counted, and logged once per interval with a count', async () => {
    const before = await metric('tundra_api_requests_total', { status: '401' });
    const logged = () => logLines.filter((line) => line.kind === 'unauthorized');
    const already = logged().length;
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${h.url}/api/v1/projects`, {
        headers: { authorization: `Bearer wrong-${i}` },
      });
      expect(response.status).toBe(401);
    }
    expect(await metric('tundra_api_requests_total', { status: '401' })).toBe(before + 40);
    // Every refusal is accounted for, in a few lines: each interval's first, then its count when it closes.
    const accounted = () =>
      logged()
        .slice(already)
        .reduce((sum, line) => sum + (line.suppressed ?? 1), 0);
    await expect.poll(accounted, { timeout: 5_000 }).toBe(40);
    expect(logged().length - already).toBeLessThan(10);
    expect(logLines.filter((line) => line.msg === 'request' && line.status === '401')).toEqual([]);
  });
});

describe('a body the API refuses unread still gets its answer to an ordinary client', () => {
  const twoMiB = Buffer.alloc(2 * 1024 * 1024, 'x');
  const headers = { authorization: `Bearer ${adminToken}` };
  for (const [client, send] of Object.entries(wholeBodyClients)) {
    it(`${client}: a 2 MiB body gets 413 and one of the wrong media type 415, in JSON`, async () => {
      for (let i = 0; i < 3; i += 1) {
        const large = await send(`${h.url}/api/v1/runs`, twoMiB, {
          ...headers,
          'content-type': 'application/json',
        });
        expect(large.status).toBe(413);
        expect(JSON.parse(large.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
        const text = await send(`${h.url}/api/v1/runs`, twoMiB, {
          ...headers,
          'content-type': 'text/plain',
        });
        expect(text.status).toBe(415);
        expect(JSON.parse(text.body)).toMatchObject({ error: { code: expect.any(String) } });
      }
    });
  }
});

/**
 * Sends a request whose body goes out in pieces, and tells whether the answer arrived before the last piece was
 * written: a server that answers and closes while the sender still writes resets the connection, and an ordinary
 * client (which reads only once it has written everything) then loses the answer.
 */
function answeredBeforeBodyEnded(
  head: string,
  body: Buffer,
  pieces: number,
): Promise<{ status: number; early: boolean; error: string | null }> {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    // Half-open allowed: like a client that writes its whole body before reading, it goes on writing after the
    // server's answer and FIN; only a reset stops it.
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
    const received: Buffer[] = [];
    let sent = 0;
    let firstAnswerWhileSending: boolean | null = null;
    let error: string | null = null;
    const size = Math.ceil(body.length / pieces);
    const sendNext = () => {
      if (socket.destroyed) return;
      socket.write(body.subarray(sent * size, (sent + 1) * size), () => {
        sent += 1;
        // Each piece waits for the previous one to be taken by the kernel and for the event loop to turn, so
        // a server that answers without reading gets to answer before the last piece.
        if (sent < pieces) setImmediate(sendNext);
        else socket.end();
      });
    };
    socket.on('connect', () => {
      socket.write(head);
      sendNext();
    });
    socket.on('data', (chunk: Buffer) => {
      firstAnswerWhileSending ??= sent < pieces;
      received.push(chunk);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(received).toString('latin1'))?.[1] ?? 0);
      if (status === 0) reject(new Error('closed without an answer'));
      else resolve({ status, early: firstAnswerWhileSending ?? true, error });
    });
  });
}

describe('a request refused before its body is read', () => {
  const body = Buffer.alloc(900 * 1024, 'x');
  const head = (path: string, authorization: string) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${authorization}` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;

  it.each([
    ['no token (401)', head('/api/v1/runs', ''), 401],
    ['a malformed path parameter (400)', head('/api/v1/runs/%E0%A4%A', auth), 400],
  ])(
    '%s: is answered only once the whole body has arrived, so that the sender reads the answer',
    async (_, request, status) => {
      const reply = await answeredBeforeBodyEnded(request, body, 64);
      expect(reply).toEqual({ status, early: false, error: null });
    },
  );

  it('a request line the HTTP parser refuses (a raw non-ASCII byte in the path): its 400, and no reset', async () => {
    // The parser cannot read past its error, so the answer comes early; the rest of the body must still be read
    // and dropped: a close with unread bytes resets the connection, which can discard the answer unsent, and the
    // sender's writes fail (EPIPE) where it expects to read the answer.
    for (let i = 0; i < 5; i += 1) {
      const reply = await answeredBeforeBodyEnded(
        head('/api/v1/projects/\u00e9t\u00e9/tokens', auth),
        body,
        64,
      );
      expect(reply).toMatchObject({ status: 400, error: null });
    }
  });
});

describe('CONNECT', () => {
  it('answers a CONNECT request with 405 in JSON and counts it, instead of dropping the connection', async () => {
    const before = await metric('tundra_http_rejections_total', { reason: 'method_not_allowed' });
    const reply = await rawRequest(
      h.url,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    expect(reply.status).toBe(405);
    expectJsonError(reply, 'METHOD_NOT_ALLOWED');
    expect(await metric('tundra_http_rejections_total', { reason: 'method_not_allowed' })).toBe(before + 1);
  });
});
