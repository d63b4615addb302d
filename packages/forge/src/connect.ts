import {
  type DeliveryConfig,
  deliveryOf,
  isForgeTokenVariable,
  NonRetryableError,
  type PullRequestDelivery,
} from '@tundra/core';
import type { Logger } from 'pino';
import { gitAuthEnv } from './git-push.js';
import { createGithubClient } from './github-client.js';
import { createGitlabClient } from './gitlab-client.js';
import type { ForgeMetrics } from './metrics.js';
import type { ForgeRetryPolicy } from './policy.js';
import type { ForgeClient } from './types.js';

/** Where the forges' APIs are, from the apps' configuration (never a project's: its token goes there). */
export interface ForgeEndpoints {
  /** TUNDRA_GITHUB_API_URL: `https://api.github.com`, or a GitHub Enterprise Server's `https://HOST/api/v3`. */
  githubApiUrl: string;
  /** TUNDRA_GITLAB_URL: `https://gitlab.com`, or the instance. */
  gitlabUrl: string;
}

/** The variable the project's `tokenRef` names is not set (or not a forge-token variable): the run blocks. */
export class ForgeTokenMissingError extends NonRetryableError {
  readonly code = 'FORGE_TOKEN_MISSING';
}

/** The project's forge token, read from the variable its `tokenRef` names. */
export function forgeToken(
  delivery: Pick<PullRequestDelivery, 'tokenRef' | 'forge'>,
  env: Record<string, string | undefined>,
): string {
  if (!isForgeTokenVariable(delivery.tokenRef))
    throw new ForgeTokenMissingError(`tokenRef ${delivery.tokenRef} is not a TUNDRA_FORGE_TOKEN_* variable`);
  const token = env[delivery.tokenRef];
  if (!token)
    throw new ForgeTokenMissingError(
      `the ${delivery.forge} token is missing: ${delivery.tokenRef} is not set in this app's environment`,
    );
  return token;
}

export interface ConnectOptions {
  endpoints: ForgeEndpoints;
  env: Record<string, string | undefined>;
  metrics: ForgeMetrics;
  logger: Logger;
  retry?: ForgeRetryPolicy;
  writePacingMs?: { writes: number; notifications: number };
}

/** The forge client of a project that delivers by pull request, with its token from the environment. */
export function connectForge(delivery: PullRequestDelivery, options: ConnectOptions): ForgeClient {
  const token = forgeToken(delivery, options.env);
  const common = {
    repo: delivery.repo,
    token,
    metrics: options.metrics,
    logger: options.logger,
    ...(options.retry ? { retry: options.retry } : {}),
  };
  return delivery.forge === 'github'
    ? createGithubClient({
        ...common,
        apiUrl: options.endpoints.githubApiUrl,
        ...(options.writePacingMs ? { writePacingMs: options.writePacingMs } : {}),
      })
    : createGitlabClient({ ...common, url: options.endpoints.gitlabUrl });
}

/**
 * The git environment that reaches a project's repository with its forge token (`gitAuthEnv`), for a project that
 * delivers by pull request over HTTP(S); empty for any other (a local path, SSH, `push` delivery). Throws
 * `ForgeTokenMissingError` when the token is not set.
 */
export function forgeRemoteEnv(
  env: Record<string, string | undefined>,
): (project: {
  repository: { url: string };
  delivery?: DeliveryConfig | undefined;
}) => Record<string, string> {
  return (project) => {
    const delivery = deliveryOf(project);
    if (delivery.kind !== 'pull-request' || !/^https?:\/\//i.test(project.repository.url)) return {};
    return gitAuthEnv(delivery.forge, project.repository.url, forgeToken(delivery, env));
  };
}
