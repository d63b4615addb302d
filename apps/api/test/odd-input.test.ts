import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let h: ApiHarness;
let projectToken: string;
let routes: { method: string; path: string }[];
beforeAll(async () => {
  h = await startHarness();
  await h.putProject({ id: 'odd' });
  projectToken = await h.projectToken('odd');
  const document = (await h.request('GET', '/openapi.json')).body;
  routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );
});
afterAll(async () => h.stop());

/** Values for a path parameter: traversal, unicode, escapes, oversized, empty-ish. */
const parameterValues = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%E2%98%83',
  'Ünïcödé',
  '%00',
  '%E0%A4%A',
  'run_' + 'a'.repeat(300),
  '%20',
  'step_x%7B%7D',
];

/** Query strings every route gets. */
const queries = [
  '?after=99999999999999999999-99999999999999999999',
  '?after=-1&after=2',
  '?limit=-5&offset=1e309',
  '?limit=NaN&status[]=x',
  '?status=%E0%A4%A',
  '?%E0%A4%A=1',
  '?after=0-0&limit=1000000',
  `?${'x='.repeat(2_000)}`,
];

const bodies: [string, string][] = [
  ['application/json', 'null'],
  ['application/json', '"a string"'],
  ['application/json', '[1,2,3]'],
  ['application/json', '{"__proto__": {"admin": true}}'],
  ['application/json', '{"reason": "' + '\u0000'.repeat(10) + '"}'],
  ['application/json', '{"a":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}'],
  ['application/json', Buffer.from([0xff, 0xfe, 0xfd]).toString('latin1')],
  ['application/json', '{"expectedVersion": 1e400}'],
];

async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'idempotency-key': 'odd', ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

/** The answer is a 4xx (or a success) in JSON, never a 5xx. */
function expectRefusedOrServed(reply: Awaited<ReturnType<typeof send>>, what: string) {
  expect(reply.status, `${what}: ${reply.text.slice(0, 200)}`).toBeLessThan(500);
  if (reply.status >= 400) {
    expect(reply.type, what).toMatch(/^application\/json/);
    expect(JSON.parse(reply.text).error.code, what).toEqual(expect.any(String));
  }
}

const concrete = (path: string, value: string) =>
  `/api/v1${path.replace('/api/v1', '').replace(/\{[^}]+\}/g, value)}`;

describe('odd input on every route', () => {
  it('odd path parameters and query strings get a 4xx in JSON, never a 5xx', async () => {
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      for (const value of parameterValues) {
        const path = concrete(route.path, value);
        expectRefusedOrServed(await send(route.method, path), `${route.method} ${path}`);
      }
      for (const query of queries) {
        const path = `${concrete(route.path, 'odd')}${query}`;
        expectRefusedOrServed(await send(route.method, path), `${route.method} ${path.slice(0, 120)}`);
      }
    }
  });

  it('odd bodies get a 4xx in JSON, never a 5xx, with either token', async () => {
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      for (const [type, body] of bodies) {
        for (const auth of [{}, { authorization: '', 'x-project-token': projectToken }] as Record<
          string,
          string
        >[]) {
          const path = concrete(route.path, 'odd');
          const reply = await send(route.method, path, { headers: { 'content-type': type, ...auth }, body });
          expectRefusedOrServed(reply, `${route.method} ${path} ${body.slice(0, 40)}`);
        }
      }
    }
  });

  it('odd methods on API paths get a 4xx in JSON', async () => {
    for (const method of ['PUT', 'OPTIONS', 'PROPFIND', 'PURGE', 'COPY']) {
      expectRefusedOrServed(await send(method, '/api/v1/projects'), method);
    }
  });
});
