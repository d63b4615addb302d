import { describe, expect, it } from 'vitest';
import { gitAuthEnv, redact } from './git-push.js';
import { tail } from './github-client.js';

describe('gitAuthEnv', () => {
  it("gives git the token as a header for the remote's origin only, through the environment", () => {
    expect(gitAuthEnv('github', 'https://github.com/acme/widgets.git', 'ghp_x')).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:ghp_x').toString('base64')}`,
    });
    expect(
      gitAuthEnv('gitlab', 'https://gitlab.example:8443/group/sub/widgets.git', 'glpat-y').GIT_CONFIG_VALUE_0,
    ).toBe(`Authorization: Basic ${Buffer.from('oauth2:glpat-y').toString('base64')}`);
  });

  it('refuses a remote that is not HTTP or that carries credentials', () => {
    expect(() => gitAuthEnv('github', 'ssh://git@github.com/acme/widgets.git', 't')).toThrow(/HTTP/);
    expect(() => gitAuthEnv('github', 'https://me:secret@github.com/acme/widgets.git', 't')).toThrow(
      /credentials/,
    );
  });
});

describe('redact and tail', () => {
  it('hides every secret', () => {
    expect(redact('token abc in abc', ['abc', ''])).toBe('token [REDACTED] in [REDACTED]');
  });

  it('keeps the last bytes of a log from a line start', () => {
    expect(tail('one\ntwo\nthree\n', 100)).toBe('one\ntwo\nthree\n');
    expect(tail('one\ntwo\nthree\n', 8)).toBe('three\n');
  });
});
