import { describe, expect, it } from 'vitest';
import { githubExamples } from '../../test/fixtures.js';
import { normaliseGithub } from './github.js';

const receivedAt = new Date('2026-01-01T00:00:00.000Z');
type Json = Record<string, any>;
const first = (event: string, action?: string, where: (example: Json) => boolean = () => true) =>
  githubExamples(event, action).find(where) as Json;

describe('normaliseGithub (GitHub example payloads)', () => {
  it('reads a successful workflow run', () => {
    const example = first('workflow_run', 'completed', (e) => e.workflow_run.conclusion === 'success');
    expect(normaliseGithub('workflow_run', example, receivedAt)).toEqual({
      kind: 'event',
      event: {
        source: 'github',
        kind: 'workflow_run',
        outcome: 'success',
        repository: 'octo-org/octo-repo',
        repositoryAliases: [
          'octo-org/octo-repo',
          'https://github.com/octo-org/octo-repo',
          'https://github.com/octo-org/octo-repo.git',
          'git@github.com:octo-org/octo-repo.git',
        ],
        projectHint: null,
        branch: 'master',
        sha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
        url: 'https://github.com/octo-org/octo-repo/actions/runs/289782451',
        actor: { id: String(example.sender.id), username: 'Codertocat' },
        at: '2020-10-05T16:33:49.000Z',
      },
    });
  });

  it('reads a completed check suite', () => {
    const example = first('check_suite', 'completed', (e) => e.check_suite.head_branch === 'main');
    expect(normaliseGithub('check_suite', example, receivedAt)).toMatchObject({
      kind: 'event',
      event: {
        outcome: 'success',
        branch: 'main',
        sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        repository: 'Codertocat/Hello-World',
      },
    });
  });

  it('reads a failed check run', () => {
    const example = first('check_run', 'completed', (e) => e.check_run.conclusion === 'failure');
    expect(normaliseGithub('check_run', example, receivedAt)).toMatchObject({
      kind: 'event',
      event: {
        outcome: 'failure',
        branch: 'changes',
        url: 'https://github.com/Codertocat/Hello-World/runs/128620228',
      },
    });
  });

  it('reads a pull request closed without a merge (the closed example)', () => {
    const example = first('pull_request', 'closed');
    expect(normaliseGithub('pull_request', example, receivedAt)).toMatchObject({
      kind: 'event',
      event: { outcome: 'closed', branch: 'changes', sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821' },
    });
  });

  it('reads a status for the branch whose head is the commit', () => {
    const example = first('status');
    example.branches[1].commit.sha = example.sha;
    example.branches[0].commit.sha = 'other';
    expect(normaliseGithub('status', example, receivedAt)).toMatchObject({
      kind: 'event',
      event: { outcome: 'success', branch: example.branches[1].name, sha: example.sha },
    });
  });

  it('reads a merged pull request (the closed example, merged)', () => {
    const example = first('pull_request', 'closed');
    example.pull_request.merged = true;
    example.pull_request.merged_at = '2019-05-15T15:20:33Z';
    example.pull_request.merge_commit_sha = 'c4295bd74fb0f4d0b6ac2fa3ac3b4cf0ac0c4d81';
    expect(normaliseGithub('pull_request', example, receivedAt)).toMatchObject({
      kind: 'event',
      event: {
        outcome: 'merged',
        mergeCommitSha: 'c4295bd74fb0f4d0b6ac2fa3ac3b4cf0ac0c4d81',
        branch: 'changes',
        sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        at: '2019-05-15T15:20:33.000Z',
      },
    });
  });

  it.each([
    ['an opened pull request', 'pull_request', first('pull_request', 'opened'), 'not_merged'],
    ['a requested workflow run', 'workflow_run', first('workflow_run', 'requested'), 'not_finished'],
    [
      'a workflow run without a conclusion',
      'workflow_run',
      first('workflow_run', 'completed', (e) => e.workflow_run.conclusion === null),
      'not_finished',
    ],
    ['a status of a commit no branch points at', 'status', first('status'), 'no_branch'],
    ['an event it does not read', 'push', { anything: true }, 'event_type'],
  ])('drops %s', (_name, event, example, reason) => {
    expect(normaliseGithub(event, example, receivedAt)).toMatchObject({ kind: 'ignored', reason });
  });

  it('answers a ping', () => {
    expect(normaliseGithub('ping', first('ping'), receivedAt)).toEqual({ kind: 'test', label: 'ping' });
  });

  it('names the field when the shape is wrong', () => {
    const example = first('workflow_run', 'completed', (e) => e.workflow_run.conclusion === 'success');
    delete example.workflow_run.head_sha;
    expect(normaliseGithub('workflow_run', example, receivedAt)).toEqual({
      kind: 'invalid',
      issues: [expect.stringMatching(/^workflow_run\.head_sha: /)],
    });
  });
});
