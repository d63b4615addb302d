import { describe, expect, it } from 'vitest';
import { gitlabExample } from '../../test/fixtures.js';
import { normaliseGitlab } from './gitlab.js';

const receivedAt = new Date('2026-01-01T00:00:00.000Z');
type Json = Record<string, any>;
const example = (
  name: Parameters<typeof gitlabExample>[0],
  patch: (json: Json) => void = () => undefined,
) => {
  const json = gitlabExample(name) as Json;
  patch(json);
  return json;
};

describe("normaliseGitlab (GitLab's documented examples)", () => {
  it('reads a successful pipeline', () => {
    expect(normaliseGitlab('Pipeline Hook', example('pipeline_success'), receivedAt)).toEqual({
      kind: 'event',
      event: {
        source: 'gitlab',
        kind: 'pipeline',
        outcome: 'success',
        repository: 'gitlab-org/gitlab-test',
        repositoryAliases: [
          'gitlab-org/gitlab-test',
          'http://192.168.64.1:3005/gitlab-org/gitlab-test',
          'http://192.168.64.1:3005/gitlab-org/gitlab-test.git',
          'git@192.168.64.1:gitlab-org/gitlab-test.git',
        ],
        projectHint: null,
        branch: 'master',
        sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
        url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
        actor: { id: '1', username: 'root' },
        at: '2016-08-12T15:26:29.000Z',
      },
    });
  });

  it('reads a failed pipeline', () => {
    const failed = example('pipeline_success', (j) => {
      j.object_attributes.status = 'failed';
    });
    expect(normaliseGitlab('Pipeline Hook', failed, receivedAt)).toMatchObject({
      kind: 'event',
      event: { outcome: 'failure' },
    });
  });

  it('reads a failed job (the example, finished)', () => {
    const failed = example('job_created', (j) => {
      j.build_status = 'failed';
      j.build_finished_at_iso = '2021-02-23T02:45:00Z';
    });
    expect(normaliseGitlab('Job Hook', failed, receivedAt)).toMatchObject({
      kind: 'event',
      event: {
        kind: 'job',
        outcome: 'failure',
        branch: 'gitlab-script-trigger',
        sha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
        url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/1977',
        actor: { id: '3', username: null },
        at: '2021-02-23T02:45:00.000Z',
      },
    });
  });

  it('reads a merge', () => {
    const merged = example('merge_request_open', (j) => {
      j.object_attributes.action = 'merge';
      j.object_attributes.state = 'merged';
    });
    expect(normaliseGitlab('Merge Request Hook', merged, receivedAt)).toMatchObject({
      kind: 'event',
      event: {
        kind: 'merge_request',
        outcome: 'merged',
        repository: 'gitlabhq/gitlab-test',
        branch: 'ms-viewport',
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        url: 'http://example.com/diaspora/merge_requests/1',
      },
    });
  });

  it('reads a merge request closed without a merge', () => {
    const closed = example('merge_request_open', (j) => {
      j.object_attributes.action = 'close';
      j.object_attributes.state = 'closed';
    });
    expect(normaliseGitlab('Merge Request Hook', closed, receivedAt)).toMatchObject({
      kind: 'event',
      event: { outcome: 'closed', branch: 'ms-viewport' },
    });
  });

  it.each([
    ['an opened merge request', 'Merge Request Hook', example('merge_request_open'), 'not_merged'],
    ['a job just created', 'Job Hook', example('job_created'), 'not_finished'],
    [
      'a running pipeline',
      'Pipeline Hook',
      example('pipeline_success', (j) => {
        j.object_attributes.status = 'running';
      }),
      'not_finished',
    ],
    [
      'a tag pipeline',
      'Pipeline Hook',
      example('pipeline_success', (j) => {
        j.object_attributes.tag = true;
      }),
      'no_branch',
    ],
    ['a push', 'Push Hook', { object_kind: 'push' }, 'event_type'],
  ])('drops %s', (_name, event, body, reason) => {
    expect(normaliseGitlab(event, body, receivedAt)).toMatchObject({ kind: 'ignored', reason });
  });

  it('names the field when the shape is wrong', () => {
    const broken = example('pipeline_success', (j) => {
      delete j.object_attributes.sha;
    });
    expect(normaliseGitlab('Pipeline Hook', broken, receivedAt)).toEqual({
      kind: 'invalid',
      issues: [expect.stringMatching(/^object_attributes\.sha: /)],
    });
  });
});
