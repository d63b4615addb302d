import { z } from 'zod';
import { NonRetryableError } from '../errors.js';

/** The environment did not satisfy an app's config schema. The message lists every problem, one per line. */
export class ConfigError extends NonRetryableError {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly app: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${app}: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/**
 * Validates `env` against an app's schema. Every problem is reported at once, each naming its variable, so an
 * operator fixes the whole environment in one go instead of one variable per restart.
 */
export function loadConfig<S extends z.ZodType>(
  app: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const received =
      issue.code === 'invalid_type' && env[variable] === undefined
        ? 'is required but not set'
        : issue.message;
    return `${variable}: ${received}`;
  });
  throw new ConfigError(app, problems);
}

/** Environment booleans: `true/false/1/0/yes/no`, anything else is an error naming the variable. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A TCP port; 0 picks a free one (tests). */
export const envPort = z.coerce.number().int().min(0).max(65_535);

/** A positive integer count or duration. */
export const envPositiveInt = z.coerce.number().int().positive();

/**
 * Where the forges' APIs are, for the apps that talk to them (planner: pull requests and reviews). Set by the
 * operator, never by a project, so a project's token goes only to the forge the operator chose.
 */
export const forgeEnv = {
  TUNDRA_GITHUB_API_URL: z.url().default('https://api.github.com'),
  TUNDRA_GITLAB_URL: z.url().default('https://gitlab.com'),
};

const redisUrl = z.url({ protocol: /^rediss?$/, message: 'expected a redis:// or rediss:// URL' });

/** Settings every Tundra app reads. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  /**
   * A Redis Cluster instead of one server: comma-separated URLs of some of its nodes (any of them, the client finds
   * the rest). Unset (the default): `REDIS_URL`'s one server.
   */
  TUNDRA_REDIS_CLUSTER_NODES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((node) => node.trim())
        .filter((node) => node !== ''),
    )
    .refine((nodes) => nodes.length > 0, 'expected at least one node URL')
    .refine((nodes) => nodes.every((node) => redisUrl.safeParse(node).success), {
      message: 'expected comma-separated redis:// or rediss:// URLs',
    })
    .optional(),
  TUNDRA_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default('tundra'),
  TUNDRA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TUNDRA_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  TUNDRA_SHUTDOWN_TIMEOUT_MS: envPositiveInt.default(30_000),
  TUNDRA_OPS_HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * How long a worker's lock on a job lasts without renewal (renewed every half of it): a crashed worker's job is
   * handed on after it. Short, so that a crash costs seconds (`jobHandoverBoundMs`: 7 s with these defaults).
   */
  TUNDRA_JOB_LOCK_MS: envPositiveInt.default(5_000),
  /** How often workers look for jobs whose worker died (stalled). */
  TUNDRA_STALLED_INTERVAL_MS: envPositiveInt.default(2_000),
};
