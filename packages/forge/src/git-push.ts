import { execFile } from 'node:child_process';
import { NonRetryableError, TundraError } from '@tundra/core';
import type { Forge } from './types.js';

/**
 * The environment that makes git send `token` to `remoteUrl`'s origin only, as an `http.<origin>/.extraHeader`
 * given through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`: the token lives in the git process's
 * environment for one command, never in the clone's config, the remote URL or the command line.
 * GitHub takes the token as the password of user `x-access-token`, GitLab as that of user `oauth2`.
 */
export function gitAuthEnv(forge: Forge, remoteUrl: string, token: string): Record<string, string> {
  const url = new URL(remoteUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`a token push needs an HTTP(S) remote, not ${url.protocol}`);
  if (url.username || url.password) throw new Error('the remote URL must not carry credentials');
  const user = forge === 'github' ? 'x-access-token' : 'oauth2';
  const basic = Buffer.from(`${user}:${token}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${url.origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** A push the forge refused for its credentials: a bad or revoked token, or one without write access. */
export class GitPushAuthError extends NonRetryableError {
  readonly code = 'FORGE_PUSH_AUTH';
}

/** A push that failed for another reason (network, a rejected non-fast-forward...). */
export class GitPushError extends TundraError {
  readonly code = 'FORGE_PUSH_FAILED';
}

/** Replaces every occurrence of the secrets in `text` (git prints the header when tracing). */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter(Boolean).reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);
}

export interface PushInput {
  forge: Forge;
  /** The clone (or worktree) to push from. */
  cwd: string;
  /** The repository's HTTPS clone URL, without credentials. */
  remoteUrl: string;
  token: string;
  /** What to push (a commit or a ref) and the branch to push it to. */
  source: string;
  branch: string;
  /** Allows a non-fast-forward update (a rebased branch). */
  force?: boolean;
}

/** Pushes `source` to `refs/heads/<branch>` on the forge with the token; resolves the pushed commit. */
export function pushWithToken(input: PushInput): Promise<string> {
  const auth = gitAuthEnv(input.forge, input.remoteUrl, input.token);
  const secrets = [
    input.token,
    auth.GIT_CONFIG_VALUE_0!,
    auth.GIT_CONFIG_VALUE_0!.replace('Authorization: Basic ', ''),
  ];
  const args = [
    'push',
    '--porcelain',
    ...(input.force ? ['--force'] : []),
    input.remoteUrl,
    `${input.source}:refs/heads/${input.branch}`,
  ];
  const run = (gitArgs: string[], env: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'git',
        gitArgs,
        { cwd: input.cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env } },
        (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout.trim());
            return;
          }
          const detail = redact(`${stderr}`.trim().split('\n').slice(-3).join(' | '), secrets);
          const refused =
            /\b(401|403)\b|could not read Username|Authentication failed|Access denied|Permission to .* denied|not allowed to push|Invalid username or token/i.test(
              stderr,
            );
          const message = `git push to ${input.remoteUrl} (${input.branch}) failed: ${detail}`;
          reject(refused ? new GitPushAuthError(message) : new GitPushError(message));
        },
      );
    });
  return run(args, auth).then(() => run(['rev-parse', `${input.source}^{commit}`], {}));
}
