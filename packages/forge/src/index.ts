export {
  type ConnectOptions,
  connectForge,
  type ForgeEndpoints,
  ForgeTokenMissingError,
  forgeRemoteEnv,
  forgeToken,
} from './connect.js';
export {
  type FailedResponse,
  ForgeAuthError,
  type ForgeCallSite,
  type ForgeError,
  ForgeNotFoundError,
  ForgePermissionError,
  ForgeRateLimitedError,
  ForgeRequestRefusedError,
  ForgeUnavailableError,
  PullRequestExistsError,
} from './errors.js';
export {
  GitPushAuthError,
  GitPushError,
  gitAuthEnv,
  type PushInput,
  pushWithToken,
  redact,
} from './git-push.js';
export { createGithubClient, type GithubClientOptions } from './github-client.js';
export { createGitlabClient, type GitlabClientOptions } from './gitlab-client.js';
export { createForgeMetrics, endpointOf, type ForgeMetrics } from './metrics.js';
export { defaultRetryPolicy, type ForgeRetryPolicy } from './policy.js';
export * from './types.js';
