import { describe, expect, it } from 'vitest';
import { endpointOf, outcomeOfStatus } from './metrics.js';

describe('endpointOf', () => {
  it.each([
    ['github', '/repos/acme/widgets/pulls', '/repos/{owner}/{repo}/pulls'],
    [
      'github',
      '/repos/acme/widgets/pulls/12/comments/99/replies',
      '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    ],
    [
      'github',
      '/repos/acme/widgets/git/refs/heads%2Ftundra%2Fdemo%2F1-x',
      '/repos/{owner}/{repo}/git/refs/{ref*}',
    ],
    ['github', '/repos/acme/widgets/git/refs/heads/tundra/demo/1-x', '/repos/{owner}/{repo}/git/refs/{ref*}'],
    ['github', '/orgs/acme', 'other'],
    [
      'gitlab',
      '/projects/group%2Fsub%2Fwidgets/merge_requests/3/discussions/abc/notes',
      '/projects/{id}/merge_requests/{iid}/discussions/{discussion_id}/notes',
    ],
    ['gitlab', '/projects/42', '/projects/{id}'],
    [
      'gitlab',
      '/projects/42/repository/branches/tundra%2Fdemo',
      '/projects/{id}/repository/branches/{branch*}',
    ],
  ] as const)('%s %s is %s', (forge, path, template) => {
    expect(endpointOf(forge, path)).toBe(template);
  });
});

describe('outcomeOfStatus', () => {
  it.each([
    [200, {}, 'success'],
    [302, {}, 'success'],
    [401, {}, 'unauthorized'],
    [403, {}, 'forbidden'],
    [403, { 'x-ratelimit-remaining': '0' }, 'rate_limited'],
    [429, {}, 'rate_limited'],
    [422, {}, 'conflict'],
    [503, {}, 'server_error'],
  ] as const)('%s %j is %s', (status, headers, outcome) => {
    expect(outcomeOfStatus(status, new Headers(headers))).toBe(outcome);
  });
});
