import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '@tundra/testkit';
// The root package does not depend on @tundra/taiga; the signing function is imported by path, as the bench does.
import { signTaigaWebhook } from '../../../packages/taiga/src/webhook-signature.js';
import type { Random } from './random.js';
import { type Delivery, requestBytes } from './raw-http.js';

/** One fuzzed request: what kind it is (for the figures), its bytes and how they are sent. */
export interface FuzzCase {
  kind: string;
  delivery: Delivery;
}

type Headers = [string, string | Buffer][];

/** What the generators need to know of the system: secrets, ids that exist, the API's routes. */
export interface FuzzContext {
  webhookKey: string;
  githubSecret: string;
  gitlabToken: string;
  ciToken: string;
  apiToken: string;
  projectId: string;
  runId: string;
  stepId: string;
  /** `METHOD /api/v1/path/{param}` templates from the OpenAPI document. */
  apiRoutes: { method: string; path: string }[];
}

const taigaTemplate = JSON.parse(
  readFileSync(resolve(repoRoot, 'apps/ingester/test/fixtures/taiga/webhook_task_create.json'), 'utf8'),
).body_json as Record<string, unknown>;

/** Path and query pieces that have broken servers: traversal, encodings, unicode, bad escapes, sizes. */
const oddSegments = [
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e',
  '%00',
  '%E0%A4%A',
  '%',
  '%zz',
  '%F0%9F%92%A9',
  '%C0%AE%C0%AE',
  '\u00e9t\u00e9',
  'a'.repeat(5000),
  '',
  '%20',
  'null',
  'constructor',
  '__proto__',
  '1700000000000-0',
  '99999999999999999999-99999999999999999999',
  '-1',
];
const oddQueries = [
  'after=99999999999999999999-0',
  'after=abc',
  'after=%E0%A4%A',
  'after=',
  'limit=-1',
  'limit=1e309',
  'limit=NaN',
  'limit=99999999999',
  'status=%00',
  'status[]=running',
  'a[b][c]=d',
  '__proto__[polluted]=1',
  'constructor[prototype][x]=1',
  'after=1&after=2',
  `q=${'x'.repeat(8000)}`,
  '&&&==&',
  '%',
  'stream=stdout&stream=stderr',
];
const oddMethods = [
  'PROPFIND',
  'FOO',
  'TRACE',
  'OPTIONS',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'CONNECT',
  'M-SEARCH',
];
const oddMediaTypes = [
  'application/aaaa',
  'application/+json',
  'text/plain',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  'application/JSON',
  '',
];

/** A request target with raw (not percent-encoded) UTF-8 bytes in it. */
const rawUnicodeTarget = (prefix: string) =>
  Buffer.concat([Buffer.from(prefix), Buffer.from('ünï\u{1F4A9}', 'utf8')]);

/** Bytes that are not UTF-8, inside an otherwise well-formed JSON document. */
function invalidUtf8Json(random: Random): Buffer {
  const bad = random.pick([
    Buffer.from([0xff, 0xfe]),
    Buffer.from([0xc3, 0x28]),
    Buffer.from([0xed, 0xa0, 0x80]),
  ]);
  return Buffer.concat([
    Buffer.from('{"action":"change","type":"task","data":{"subject":"'),
    bad,
    Buffer.from('"}}'),
  ]);
}

function deepJson(random: Random): Buffer {
  const depth = random.between(1_000, 200_000);
  const open = random.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return Buffer.from(open.repeat(depth) + '1' + close.repeat(depth));
}

function randomJson(random: Random, depth = 0): unknown {
  switch (random.int(depth > 3 ? 4 : 6)) {
    case 0:
      return random.int(2 ** 31) * (random.chance(0.5) ? -1 : 1);
    case 1:
      return random.text(random.int(40));
    case 2:
      return random.chance(0.5);
    case 3:
      return null;
    case 4:
      return Array.from({ length: random.int(5) }, () => randomJson(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(6) }, () => [
          random.pick(['action', 'type', 'data', 'id', 'by', 'status', random.text(6)]),
          randomJson(random, depth + 1),
        ]),
      );
  }
}

/** A body of one of the shapes that have broken parsers. */
function oddBody(random: Random, valid: Buffer): { kind: string; body: Buffer } {
  switch (random.int(7)) {
    case 0:
      return { kind: 'body: random bytes', body: random.bytes(random.int(4096)) };
    case 1:
      return { kind: 'body: truncated JSON', body: valid.subarray(0, random.int(valid.length)) };
    case 2:
      return { kind: 'body: deep JSON', body: deepJson(random) };
    case 3:
      return {
        kind: 'body: huge JSON',
        body: Buffer.from(`{"x":"${'a'.repeat(random.between(1_100_000, 2_500_000))}"}`),
      };
    case 4:
      return { kind: 'body: invalid UTF-8', body: invalidUtf8Json(random) };
    case 5:
      return { kind: 'body: JSON of the wrong shape', body: Buffer.from(JSON.stringify(randomJson(random))) };
    default:
      return { kind: 'body: empty', body: Buffer.alloc(0) };
  }
}

/** Headers that have broken servers: huge, many, bad bytes. */
function oddHeaders(random: Random): { kind: string; headers: Headers } {
  switch (random.int(4)) {
    case 0:
      return { kind: 'headers: huge', headers: [['x-huge', 'h'.repeat(random.between(17_000, 80_000))]] };
    case 1:
      return {
        kind: 'headers: many',
        headers: Array.from({ length: random.between(100, 3_000) }, (_, i): [string, string] => [
          `x-h-${i}`,
          'v',
        ]),
      };
    case 2:
      return {
        kind: 'headers: bad bytes',
        headers: [['x-bad', Buffer.from([0x61, random.pick([0x01, 0x00, 0x7f, 0x0b]), 0x62])]],
      };
    default:
      return { kind: 'headers: bad name', headers: [[random.pick(['x y', 'x:y', '(x)', 'x\u00e9']), 'v']] };
  }
}

function withLength(headers: Headers, body: Buffer): Headers {
  return [...headers, ['content-length', String(body.length)]];
}

/** A signed Taiga webhook for the project, as Taiga sends it; `mutate` changes the JSON first. */
function taigaWebhook(context: FuzzContext, random: Random): { body: Buffer; headers: Headers } {
  const json = structuredClone(taigaTemplate) as { data: Record<string, unknown> };
  json.data.id = random.int(1_000_000);
  const body = Buffer.from(JSON.stringify(json));
  return {
    body,
    headers: [
      ['content-type', 'application/json'],
      ['x-taiga-webhook-signature', signTaigaWebhook(body.toString('utf8'), context.webhookKey)],
    ],
  };
}

const sources = ['taiga', 'github', 'gitlab', 'ci'] as const;

function sourceHeaders(
  source: (typeof sources)[number],
  context: FuzzContext,
  body: Buffer,
  random: Random,
): Headers {
  switch (source) {
    case 'github':
      return [
        ['x-github-event', random.pick(['workflow_run', 'ping', 'push', 'check_run', random.text(5)])],
        ['x-github-delivery', random.text(16)],
        [
          'x-hub-signature-256',
          `sha256=${createHmac('sha256', context.githubSecret).update(body).digest('hex')}`,
        ],
      ];
    case 'gitlab':
      return [
        ['x-gitlab-event', random.pick(['Pipeline Hook', 'Job Hook', random.text(5)])],
        ['x-gitlab-token', context.gitlabToken],
      ];
    case 'ci':
      return [['authorization', `Bearer ${context.ciToken}`]];
    default:
      return [['x-taiga-webhook-signature', signTaigaWebhook(body.toString('utf8'), context.webhookKey)]];
  }
}

/** Variants of a signature header: missing, empty, wrong, the wrong algorithm, padded, twice. */
function signatureVariant(random: Random, good: string): Headers {
  switch (random.int(7)) {
    case 0:
      return [];
    case 1:
      return [['x-taiga-webhook-signature', '']];
    case 2:
      return [['x-taiga-webhook-signature', random.bytes(20).toString('hex')]];
    case 3:
      return [['x-taiga-webhook-signature', `sha1=${good}`]];
    case 4:
      return [['x-taiga-webhook-signature', good.toUpperCase()]];
    case 5:
      return [['x-taiga-webhook-signature', ` ${good} `]];
    default:
      return [
        ['x-taiga-webhook-signature', good],
        ['x-taiga-webhook-signature', random.bytes(20).toString('hex')],
      ];
  }
}

/** The ingester's fuzz cases: its webhook endpoints first, its other paths too. */
export function ingesterCase(random: Random, context: FuzzContext): FuzzCase {
  const source = random.pick(sources);
  const path = source === 'taiga' ? `/webhooks/taiga/${context.projectId}` : `/webhooks/${source}`;
  const valid = taigaWebhook(context, random);
  switch (random.int(8)) {
    case 0:
    case 1: {
      const { kind, body } = oddBody(random, valid.body);
      const headers: Headers = [
        ['content-type', 'application/json'],
        ...sourceHeaders(source, context, body, random),
      ];
      return { kind, delivery: { bytes: requestBytes('POST', path, withLength(headers, body), body) } };
    }
    case 2: {
      const good = signTaigaWebhook(valid.body.toString('utf8'), context.webhookKey);
      const headers: Headers = [['content-type', 'application/json'], ...signatureVariant(random, good)];
      return {
        kind: 'headers: signature variants',
        delivery: {
          bytes: requestBytes(
            'POST',
            `/webhooks/taiga/${context.projectId}`,
            withLength(headers, valid.body),
            valid.body,
          ),
        },
      };
    }
    case 3: {
      const { kind, headers } = oddHeaders(random);
      return {
        kind,
        delivery: {
          bytes: requestBytes(
            'POST',
            path,
            withLength([...valid.headers, ...headers], valid.body),
            valid.body,
          ),
        },
      };
    }
    case 4: {
      const headers: Headers = [['content-type', random.pick(oddMediaTypes)], ...valid.headers.slice(1)];
      return {
        kind: 'headers: odd media types',
        delivery: {
          bytes: requestBytes(
            'POST',
            `/webhooks/taiga/${context.projectId}`,
            withLength(headers, valid.body),
            valid.body,
          ),
        },
      };
    }
    case 5: {
      const method = random.pick(oddMethods);
      return {
        kind: `requests: odd methods (${method})`,
        delivery: {
          bytes: requestBytes(method, random.pick([path, '/ready', '/metrics', '/admin/inbox/replay']), [
            ['content-length', '0'],
          ]),
        },
      };
    }
    case 6: {
      const target = random.chance(0.2)
        ? rawUnicodeTarget('/webhooks/taiga/')
        : `${random.pick(['/webhooks/taiga/', '/webhooks/', '/admin/inbox/', '/'])}${random.pick(oddSegments)}${random.chance(0.5) ? `?${random.pick(oddQueries)}` : ''}`;
      return {
        kind: 'requests: odd paths and queries',
        delivery: { bytes: requestBytes('POST', target, withLength(valid.headers, valid.body), valid.body) },
      };
    }
    default:
      return framingCase(random, path, valid.headers, valid.body);
  }
}

/** Requests whose framing lies: a bad chunked body, a Content-Length far over the limit. */
function framingCase(random: Random, path: string, headers: Headers, body: Buffer): FuzzCase {
  if (random.chance(0.5)) {
    const chunked = Buffer.from(
      random.pick(['zz\r\nabc\r\n0\r\n\r\n', '5\r\nabc\r\n0\r\n\r\n', '-1\r\n\r\n', '3\r\nabc\r\nxyz']),
    );
    return {
      kind: 'connections: bad chunked body',
      delivery: {
        bytes: requestBytes('POST', path, [...headers, ['transfer-encoding', 'chunked']], chunked),
      },
    };
  }
  return {
    kind: 'connections: body over the limit',
    delivery: {
      bytes: requestBytes(
        'POST',
        path,
        [...headers, ['content-length', String(random.between(2, 500) * 1_048_576)]],
        body,
      ),
    },
  };
}

/**
 * Connections that hold the server: a body sent a few bytes at a time, headers that never end (slowloris), a body
 * shorter than its Content-Length. The server must cut them off.
 */
export function slowCase(random: Random, target: { path: string; headers: Headers; body: Buffer }): FuzzCase {
  const bytes = requestBytes('POST', target.path, withLength(target.headers, target.body), target.body);
  const headerLength = bytes.indexOf('\r\n\r\n') + 4;
  switch (random.int(4)) {
    case 3: {
      // A chunk that announces more than will ever come.
      const stalled = requestBytes(
        'POST',
        target.path,
        [...target.headers, ['transfer-encoding', 'chunked']],
        Buffer.from('ffffffff\r\nabc'),
      );
      return { kind: 'connections: chunked body that stalls', delivery: { bytes: stalled } };
    }
    case 0:
      return {
        kind: 'connections: slow body',
        delivery: { bytes, slow: { chunkBytes: 1, intervalMs: 500 } },
      };
    case 1:
      return {
        kind: 'connections: slowloris headers',
        delivery: {
          bytes: Buffer.concat([
            bytes.subarray(0, headerLength - 4),
            Buffer.from('x-a: b\r\n'.repeat(10_000)),
          ]),
          slow: { chunkBytes: 4, intervalMs: 500 },
        },
      };
    default:
      return {
        kind: 'connections: body shorter than Content-Length',
        delivery: { bytes, stopAfter: headerLength + random.int(target.body.length) },
      };
  }
}

export function ingesterSlowCase(random: Random, context: FuzzContext): FuzzCase {
  const valid = taigaWebhook(context, random);
  return slowCase(random, { path: `/webhooks/taiga/${context.projectId}`, ...valid });
}

export function apiSlowCase(random: Random, context: FuzzContext): FuzzCase {
  const body = Buffer.from(JSON.stringify({ projectId: context.projectId, ref: 1 }));
  return slowCase(random, {
    path: '/api/v1/runs',
    headers: [
      ['content-type', 'application/json'],
      ['authorization', `Bearer ${context.apiToken}`],
      ['idempotency-key', random.text(10)],
    ],
    body,
  });
}

/** A path parameter: a real id, or one of the odd segments, or random text. */
function parameter(random: Random, real: string): string {
  if (random.chance(0.35)) return real;
  if (random.chance(0.7)) return random.pick(oddSegments);
  return encodeURIComponent(random.text(random.between(1, 40)));
}

/** The API's fuzz cases: every route of its OpenAPI document, with odd parameters, queries, headers and bodies. */
export function apiCase(random: Random, context: FuzzContext): FuzzCase {
  const route = random.pick(context.apiRoutes);
  const ids: Record<string, string> = {
    projects: context.projectId,
    runs: context.runId,
    steps: context.stepId,
  };
  const section = route.path.split('/')[3] ?? 'projects';
  let target = route.path
    .replace(/\{(id|runId)\}/, () => parameter(random, ids[section] ?? context.projectId))
    .replace('{name}', () => parameter(random, 'ops'))
    .replace('{action}', () => parameter(random, section === 'runs' ? 'pause' : 'retry'))
    .replace(/\{[a-zA-Z]+\}/g, () => parameter(random, 'x'));
  if (random.chance(0.6)) target += `?${random.pick(oddQueries)}`;
  const auth: Headers = random.chance(0.85)
    ? [['authorization', `Bearer ${context.apiToken}`]]
    : random.pick([
        [],
        [['authorization', 'Bearer wrong']],
        [['x-project-token', random.text(30)]],
      ] as Headers[]);
  const extras: Headers = [];
  if (random.chance(0.3))
    extras.push(['idempotency-key', random.chance(0.5) ? random.text(random.between(0, 300)) : 'k']);
  if (random.chance(0.2))
    extras.push(['if-match', random.pick(['"1"', 'W/"x"', '*', '', '"99999999999999999999"'])]);
  if (random.chance(0.2)) extras.push(['last-event-id', random.pick(oddSegments)]);
  const valid = Buffer.from(
    JSON.stringify({ projectId: context.projectId, ref: random.int(100), reason: 'fuzz' }),
  );
  switch (random.int(6)) {
    case 0:
    case 1: {
      const { kind, body } = oddBody(random, valid);
      const headers: Headers = [...auth, ...extras, ['content-type', 'application/json']];
      return {
        kind,
        delivery: {
          bytes: requestBytes(route.method.toUpperCase(), target, withLength(headers, body), body),
        },
      };
    }
    case 2: {
      const { kind, headers } = oddHeaders(random);
      return {
        kind,
        delivery: {
          bytes: requestBytes(route.method.toUpperCase(), target, [
            ...auth,
            ...headers,
            ['content-length', '0'],
          ]),
        },
      };
    }
    case 3: {
      const method = random.pick(oddMethods);
      const path = random.chance(0.5)
        ? target
        : random.pick(['/api/v1', '/api', '/', '/ready', `/api/v1/${random.pick(oddSegments)}`]);
      return {
        kind: `requests: odd methods (${method})`,
        delivery: { bytes: requestBytes(method, path, [...auth, ['content-length', '0']]) },
      };
    }
    case 4: {
      const path = random.chance(0.2) ? rawUnicodeTarget('/api/v1/projects/') : target;
      const headers: Headers = [
        ...auth,
        ...extras,
        ['content-type', random.pick(['application/json', ...oddMediaTypes])],
      ];
      return {
        kind: 'requests: odd parameters and queries',
        delivery: {
          bytes: requestBytes(route.method.toUpperCase(), path, withLength(headers, valid), valid),
        },
      };
    }
    default:
      return framingCase(random, target, [...auth, ['content-type', 'application/json']], valid);
  }
}
