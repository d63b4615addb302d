import type { TaigaWebhookLog } from '@tundra/taiga';
import { describe, expect, it } from 'vitest';
import {
  describeDelivery,
  findTundraWebhook,
  planWebhook,
  readTestDelivery,
  webhookUrlFor,
} from './webhook-plan.js';

const url = 'https://tundra.example.com/webhooks/taiga/acme';
const hook = (id: number, hookUrl: string, key = 'k') => ({ id, name: 'Tundra', url: hookUrl, key });

describe('planWebhook', () => {
  it.each([
    ['no webhook yet', [], { kind: 'create' }],
    ['another receiver only', [hook(1, 'https://ci.example.com/hook')], { kind: 'create' }],
    ['ours, as wanted', [hook(1, 'https://ci.example.com/hook'), hook(2, url)], { kind: 'unchanged', id: 2 }],
    ['ours with another key', [hook(2, url, 'old')], { kind: 'update', id: 2, patch: { key: 'k' } }],
    [
      'ours at the ingester’s old address',
      [hook(3, 'http://10.0.0.5:8080/webhooks/taiga/acme', 'old')],
      { kind: 'update', id: 3, patch: { url, key: 'k' } },
    ],
    [
      'another project’s endpoint',
      [hook(4, 'https://tundra.example.com/webhooks/taiga/other')],
      { kind: 'create' },
    ],
  ] as const)('%s', (_case, existing, plan) => {
    expect(planWebhook(existing, { projectId: 'acme', url, key: 'k' })).toEqual(plan);
  });

  it('builds the URL from the public address, escaping the project id', () => {
    expect(webhookUrlFor('https://tundra.example.com/', 'acme')).toBe(url);
    expect(webhookUrlFor('https://tundra.example.com/base', 'a b')).toBe(
      'https://tundra.example.com/base/webhooks/taiga/a%20b',
    );
    expect(findTundraWebhook([hook(5, 'not a url')], null, 'acme')).toBeNull();
  });
});

const log = (status: number, content: string | null, error?: string): TaigaWebhookLog => ({
  id: 9,
  webhook: 1,
  url,
  status,
  request_data: { action: 'test', type: 'test' },
  request_headers: {},
  response_data: error ?? JSON.stringify({ content }),
  response_headers: {},
  duration: 0.01,
  created: '2026-12-04T10:00:00.000Z',
});
const project = { id: 'acme', secretRef: 'TUNDRA_WEBHOOK_KEY_ACME' };

describe('readTestDelivery', () => {
  it('is verified only when the ingester said the key matched for this project', () => {
    const ok = '{"ok":true,"test":true,"source":"taiga","project":"acme","authenticated":true}';
    expect(readTestDelivery(log(200, ok), project)).toMatchObject({
      verified: true,
      verdict: "the ingester got Taiga's test delivery for project acme and verified its signature",
    });
    const otherProject = ok.replace('"acme"', '"other"');
    expect(readTestDelivery(log(200, otherProject), project).verified).toBe(false);
    expect(readTestDelivery(log(200, 'ok'), project)).toMatchObject({
      verified: false,
      ingesterAnswer: 'ok',
    });
  });

  it.each([
    [
      log(401, '{"error":"bad_signature","message":"X-TAIGA-WEBHOOK-SIGNATURE does not match"}'),
      'TUNDRA_WEBHOOK_KEY_ACME',
    ],
    [log(404, '{"error":"unknown_project","message":"no project \'acme\'"}'), 'knows no project acme'],
    [log(0, null, 'error-in-request: Connection refused'), 'Taiga could not reach the ingester at'],
    [log(503, '{"error":"unavailable"}'), 'the ingester answered 503'],
  ])('says why not: %#', (delivery, says) => {
    const read = readTestDelivery(delivery, project);
    expect(read.verified).toBe(false);
    expect(read.verdict).toContain(says);
  });
});

describe('describeDelivery', () => {
  it('shows the event, the status and the ingester’s answer, shortened', () => {
    expect(
      describeDelivery(log(202, `{"eventId":"1-0","jobs":[],"unmatched":true}${' '.repeat(300)}`)),
    ).toEqual({
      id: 9,
      at: '2026-12-04T10:00:00.000Z',
      action: 'test',
      type: 'test',
      status: 202,
      ok: true,
      answer: expect.stringMatching(/^\{"eventId":"1-0".{150,}…$/),
    });
  });
});
