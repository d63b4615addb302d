import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let h: ApiHarness;
let runId: string;
let stepId: string;
beforeAll(async () => {
  h = await startHarness();
  await h.putProject({ id: 'bad' });
  const { run, steps } = await h.runningRun('bad', 1);
  runId = run.id;
  stepId = steps[0]!.id;
});
afterAll(async () => h.stop());

const admin = { authorization: `Bearer ${adminToken}` };

/** A raw request: the status, the content type and the body parsed as JSON (which must parse). */
async function send(path: string, init: RequestInit = {}) {
  const response = await fetch(`${h.url}${path}`, { ...init, headers: { ...admin, ...init.headers } });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), json: JSON.parse(text) };
}

/** The one issue of a 400 VALIDATION_FAILED answer. */
function issueOf(reply: Awaited<ReturnType<typeof send>>) {
  expect(reply.status).toBe(400);
  expect(reply.json.error.code).toBe('VALIDATION_FAILED');
  expect(reply.json.error.details.issues).toHaveLength(1);
  return reply.json.error.details.issues[0] as { location: string; path: string; message: string };
}

// Both parts of a stream id are 64-bit: the first is past 2^64, the second is the last id, after which nothing
// can come (Redis refuses an exclusive range from it).
const outOfRange = ['99999999999999999999-0', '18446744073709551615-18446744073709551615'];

describe('stream ids out of range', () => {
  it.each(outOfRange)('?after=%s on the event and log pages is a 400 naming `after`', async (after) => {
    for (const path of [`/api/v1/runs/${runId}/events`, `/api/v1/steps/${stepId}/logs`]) {
      const issue = issueOf(await send(`${path}?after=${after}`));
      expect(issue).toMatchObject({ location: 'query', path: 'after' });
    }
  });

  it.each(outOfRange)(
    '%s as Last-Event-ID or ?after= of a live tail is a 400 before the stream opens',
    async (id) => {
      for (const path of [`/api/v1/runs/${runId}/events/stream`, `/api/v1/steps/${stepId}/logs/stream`]) {
        const header = await send(path, { headers: { 'last-event-id': id } });
        expect(issueOf(header)).toMatchObject({ location: 'headers', path: 'last-event-id' });
        const query = await send(`${path}?after=${id}`);
        expect(issueOf(query)).toMatchObject({ location: 'query', path: 'after' });
      }
    },
  );

  it('a delivery id past 64 bits is a 400 naming `deliveryId` on its replay', async () => {
    const id = outOfRange[0];
    const replay = await send(`/api/v1/inbox/${id}/actions/replay`, {
      method: 'POST',
      headers: { 'idempotency-key': 'bad-requests-replay' },
    });
    expect(issueOf(replay)).toMatchObject({ location: 'params', path: 'deliveryId' });
  });

  it.each([outOfRange[0]!, '0-0'])(
    '?before=%s on the inbox page is a 400 naming `before`',
    async (before) => {
      expect(issueOf(await send(`/api/v1/inbox?before=${before}`))).toMatchObject({
        location: 'query',
        path: 'before',
      });
    },
  );

  it('still pages from the largest id that has a successor', async () => {
    const page = await send(`/api/v1/runs/${runId}/events?after=18446744073709551615-18446744073709551614`);
    expect(page).toMatchObject({ status: 200, json: { events: [], next: null } });
  });
});

describe('malformed percent-escapes in the path', () => {
  it.each([
    ['/api/v1/runs/%E0%A4%A', 'runId'],
    ['/api/v1/runs/%E0%A4%A/events', 'runId'],
    ['/api/v1/protocols/%E0%A4%A/events', 'runId'],
    ['/api/v1/steps/%ZZ/logs', 'id'],
    ['/api/v1/projects/bad/tokens/%E0', 'name'],
  ])('%s is a 400 naming the path parameter %s', async (path, name) => {
    const method = path.includes('/tokens/') ? 'DELETE' : 'GET';
    expect(issueOf(await send(path, { method }))).toMatchObject({ location: 'params', path: name });
  });

  it('is a 404 in JSON where no route has a parameter there', async () => {
    const reply = await send('/api/v1/nothing/%E0%A4%A');
    expect(reply.status).toBe(404);
    expect(reply.json.error.code).toBe('NOT_FOUND');
  });
});

describe('JSON everywhere', () => {
  it.each(['/', '/nothing', '/api', '/api/v2/projects', '/%E0%A4%A', '/health/extra'])(
    '%s outside /api/v1 answers 404 as JSON',
    async (path) => {
      const reply = await send(path);
      expect(reply.status).toBe(404);
      expect(reply.type).toMatch(/^application\/json/);
      expect(reply.json.error.code).toBe('NOT_FOUND');
    },
  );

  it('answers a body over the limit with 413', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const reply = await send('/api/v1/projects/bad', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: 1048576 } });
  });
});
