import { randomUUID } from 'node:crypto';
import { buildProjectSpec } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubExamples, gitlabExample } from './fixtures.js';
import {
  ciHeaders,
  githubHeaders,
  gitlabHeaders,
  QueueName,
  startTestIngester,
  type TestIngester,
} from './harness.js';

let ingester: TestIngester;
beforeAll(async () => {
  ingester = await startTestIngester();
});
afterAll(async () => ingester?.stop());

const workflowRun = JSON.stringify(
  githubExamples('workflow_run', 'completed').find(
    (example: any) => example.workflow_run.conclusion === 'success',
  ),
);
const pipeline = JSON.stringify(gitlabExample('pipeline_success'));
const callback = JSON.stringify({
  status: 'failure',
  repository: 'octo-org/octo-repo',
  branch: 'tundra/run-1',
  sha: 'a'.repeat(40),
  url: 'https://ci.example/1',
});

/** Each source: its path, a valid request, and how each rejection is provoked. */
const sources = {
  github: {
    path: '/webhooks/github',
    valid: () => ({ body: workflowRun, headers: githubHeaders('workflow_run', randomUUID(), workflowRun) }),
    unsigned: () => {
      const { 'x-hub-signature-256': _, ...headers } = githubHeaders(
        'workflow_run',
        randomUUID(),
        workflowRun,
      );
      return headers;
    },
    badlySigned: () => githubHeaders('workflow_run', randomUUID(), `${workflowRun} `),
    signed: (body: string) => githubHeaders('workflow_run', randomUUID(), body),
    missingField: 'workflow_run.head_branch',
  },
  gitlab: {
    path: '/webhooks/gitlab',
    valid: () => ({ body: pipeline, headers: gitlabHeaders('Pipeline Hook', randomUUID()) }),
    unsigned: () => {
      const { 'x-gitlab-token': _, ...headers } = gitlabHeaders('Pipeline Hook', randomUUID());
      return headers;
    },
    badlySigned: () => ({
      ...gitlabHeaders('Pipeline Hook', randomUUID()),
      'x-gitlab-token': 'wrong-token-0123456789',
    }),
    signed: () => gitlabHeaders('Pipeline Hook', randomUUID()),
    missingField: 'object_attributes.ref',
  },
  ci: {
    path: '/webhooks/ci',
    // Without a delivery header the body hash tells deliveries apart: each valid() is a new run's report.
    valid: () => ({
      body: JSON.stringify({ ...JSON.parse(callback), url: `https://ci.example/${randomUUID()}` }),
      headers: ciHeaders(),
    }),
    unsigned: () => ({ 'content-type': 'application/json' }),
    badlySigned: () => ({ ...ciHeaders(), authorization: 'Bearer wrong-token-0123456789' }),
    signed: () => ciHeaders(),
    missingField: 'branch',
  },
} as const;

function withoutField(body: string, field: string): string {
  const json = JSON.parse(body);
  const parts = field.split('.');
  let target = json;
  for (const part of parts.slice(0, -1)) target = target[part];
  delete target[parts.at(-1)!];
  return JSON.stringify(json);
}

describe.each(Object.entries(sources))('POST %s webhooks', (source, spec) => {
  it('accepts a valid delivery: 202 and a ci.result job on the QA queue', async () => {
    const { body, headers } = spec.valid();
    const response = await ingester.post(spec.path, body, headers);
    expect(response.status).toBe(202);
    expect(response.json.jobs).toHaveLength(1);
    const job = await ingester.job(QueueName.Qa, response.json.jobs[0]);
    expect(job?.name).toBe('ci.result');
    expect(job?.data).toMatchObject({
      sourceEventId: response.json.deliveryId,
      outcome: expect.any(String),
      branch: expect.any(String),
    });
  });

  it('de-duplicates the same delivery', async () => {
    const { body, headers } = spec.valid();
    const first = await ingester.post(spec.path, body, headers);
    const second = await ingester.post(spec.path, body, headers);
    expect(first.status).toBe(202);
    expect(second).toEqual({
      status: 200,
      json: { deliveryId: first.json.deliveryId, eventId: first.json.deliveryId, duplicate: true },
    });
  });

  it.each([
    ['a missing signature or token', 'unsigned', 401, 'missing_signature'],
    ['a wrong signature or token', 'badlySigned', 401, 'bad_signature'],
  ] as const)('rejects %s', async (_name, variant, status, reason) => {
    const response = await ingester.post(spec.path, spec.valid().body, spec[variant]());
    expect(response).toMatchObject({ status, json: { error: reason } });
  });

  it('rejects a wrong content type with 415', async () => {
    const { body, headers } = spec.valid();
    const response = await ingester.post(spec.path, body, {
      ...headers,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response).toMatchObject({ status: 415, json: { error: 'unsupported_media_type' } });
  });

  it('rejects malformed JSON with 400', async () => {
    const body = '{"object_kind": ';
    const response = await ingester.post(spec.path, body, spec.signed(body));
    expect(response).toMatchObject({ status: 400, json: { error: 'malformed_json' } });
  });

  it('rejects the wrong shape with 400, naming the field', async () => {
    const body = withoutField(spec.valid().body, spec.missingField);
    const response = await ingester.post(spec.path, body, spec.signed(body));
    expect(response.status).toBe(400);
    expect(response.json.issues).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${spec.missingField}: `))]),
    );
  });

  it('rejects a body over the limit with 413', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(ingester.config.TUNDRA_INGEST_MAX_BODY_BYTES) });
    const response = await ingester.post(spec.path, body, spec.signed(body));
    expect(response).toMatchObject({ status: 413, json: { error: 'too_large' } });
  });

  it('counted its rejections by reason', async () => {
    const metrics = await ingester.registry.getSingleMetricAsString('tundra_webhook_rejections_total');
    for (const reason of [
      'missing_signature',
      'bad_signature',
      'unsupported_media_type',
      'malformed_json',
      'invalid_payload',
      'too_large',
    ]) {
      expect(metrics).toContain(`tundra_webhook_rejections_total{source="${source}",reason="${reason}"} 1`);
    }
  });
});

describe('source specifics', () => {
  it("answers GitHub's ping with 200", async () => {
    const body = JSON.stringify(githubExamples('ping')[0]);
    const response = await ingester.post('/webhooks/github', body, githubHeaders('ping', randomUUID(), body));
    expect(response).toEqual({
      status: 200,
      json: { ok: true, test: true, source: 'github', authenticated: true },
    });
  });

  it('rejects a GitHub delivery without X-GitHub-Delivery with 400', async () => {
    const { 'x-github-delivery': _, ...headers } = githubHeaders('workflow_run', 'x', workflowRun);
    const response = await ingester.post('/webhooks/github', workflowRun, headers);
    expect(response).toMatchObject({ status: 400, json: { error: 'missing_header' } });
  });

  it('rejects a GitLab delivery without X-Gitlab-Event with 400', async () => {
    const { 'x-gitlab-event': _, ...headers } = gitlabHeaders('Pipeline Hook', randomUUID());
    const response = await ingester.post('/webhooks/gitlab', pipeline, headers);
    expect(response).toMatchObject({ status: 400, json: { error: 'missing_header' } });
  });

  it('sends a GitLab merge to the QA queue as merged, with the source branch and head SHA', async () => {
    const merged = gitlabExample('merge_request_open') as Record<string, any>;
    merged.object_attributes.action = 'merge';
    merged.project.git_ssh_url = 'git@192.168.64.1:gitlab-org/gitlab-test.git';
    const response = await ingester.post(
      '/webhooks/gitlab',
      JSON.stringify(merged),
      gitlabHeaders('Merge Request Hook', randomUUID()),
    );
    expect(response.status).toBe(202);
    const job = await ingester.job(QueueName.Qa, response.json.jobs[0]);
    expect(job?.data).toMatchObject({
      projectId: 'lab',
      outcome: 'merged',
      branch: 'ms-viewport',
      sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    });
  });

  it('rejects a CI callback naming an unknown project with 404', async () => {
    const body = JSON.stringify({ ...JSON.parse(callback), project: 'nope' });
    const response = await ingester.post('/webhooks/ci', body, ciHeaders());
    expect(response).toMatchObject({ status: 404, json: { error: 'unknown_project' } });
  });

  it('records a CI result for a repository no project uses, as unmatched', async () => {
    const body = JSON.stringify({ ...JSON.parse(callback), repository: 'someone/else' });
    const response = await ingester.post('/webhooks/ci', body, ciHeaders());
    expect(response).toMatchObject({ status: 202, json: { jobs: [], unmatched: true } });
  });
});

describe('a project made a moment ago', () => {
  // The cache as it runs by default (the other tests' ingester keeps projects for a millisecond).
  let cached: TestIngester;
  beforeAll(async () => {
    cached = await startTestIngester({ TUNDRA_PROJECT_CACHE_TTL_MS: '5000' });
  });
  afterAll(async () => cached?.stop());

  it("routes its repository's CI result at once, though the project list was loaded just before", async () => {
    const ingester = cached;
    const repository = `someone/new-${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ ...JSON.parse(callback), repository });
    // This miss loads the project list; the project below is made within the cache's TTL.
    expect(await ingester.post('/webhooks/ci', body, ciHeaders())).toMatchObject({
      status: 202,
      json: { jobs: [], unmatched: true },
    });
    const id = `new-${randomUUID().slice(0, 8)}`;
    const spec = buildProjectSpec({
      id,
      taiga: { projectId: 3, projectSlug: id, webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_ACME' },
      repository: { url: `https://github.com/${repository}.git`, baseBranch: 'main', pushRemote: null },
    });
    expect((await ingester.store.projects.put(spec, 0)).kind).toBe('saved');
    const again = await ingester.post(
      '/webhooks/ci',
      JSON.stringify({ ...JSON.parse(body), url: `https://ci.example/${randomUUID()}` }),
      ciHeaders(),
    );
    expect(again).toMatchObject({ status: 202, json: { jobs: [expect.any(String)] } });
    expect((await ingester.job(QueueName.Qa, again.json.jobs[0]))?.data).toMatchObject({ projectId: id });
  });
});

describe('ops routes', () => {
  it('GET /health answers while the process is up', async () => {
    const response = await fetch(`${ingester.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', app: 'ingester' });
  });

  it('GET /ready reports Redis and the queues', async () => {
    const response = await fetch(`${ingester.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true, checks: { redis: true, queues: true } });
  });

  it('GET /metrics serves the ingest metrics', async () => {
    const text = await (await fetch(`${ingester.url}/metrics`)).text();
    expect(text).toContain(
      'tundra_webhooks_received_total{source="github",kind="workflow_run",outcome="accepted"}',
    );
    expect(text).toContain('tundra_ingest_duration_seconds_bucket{le="0.0005",source="github"}');
  });
});
