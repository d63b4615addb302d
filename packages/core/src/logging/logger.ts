import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino replaces with `[redacted]`: credentials never reach a log line, whatever logs them. */
export const redactPaths = [
  'password',
  'token',
  'secret',
  'authorization',
  'auth_token',
  'refresh',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.auth_token',
  '*.refresh',
  'headers.authorization',
  'headers["x-taiga-webhook-signature"]',
  'headers["x-hub-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["x-gitlab-token"]',
  'headers["x-tundra-token"]',
  // The apps never log their config; these are a second line should one ever do.
  'config.TUNDRA_API_TOKEN',
  'config.TUNDRA_TAIGA_PASSWORD',
  'config.TUNDRA_CI_TOKEN',
  'config.TUNDRA_GITHUB_WEBHOOK_SECRET',
  'config.TUNDRA_GITLAB_WEBHOOK_TOKEN',
];

export interface LoggerOptions {
  app: string;
  level: string;
  /** `pretty` for people at a terminal; JSON otherwise. Defaults to pretty outside production. */
  format?: 'json' | 'pretty';
  nodeEnv?: string;
}

/** The root logger of an app. Child loggers add `correlationId`, `projectId`, `protocolRunId`, `stepRunId`, `jobId`. */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (options.nodeEnv === 'production' ? 'json' : 'pretty');
  return pino({
    name: options.app,
    level: options.level,
    base: { app: options.app },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}

/** The ids a log line about a run carries, so one run can be followed through every app's logs. */
export interface RunLogContext {
  correlationId?: string;
  projectId?: string;
  protocolRunId?: string;
  stepRunId?: string | null;
  jobId?: string;
  attempt?: number;
}

/** A child logger for work on one run, step or job. */
export function runLogger(logger: Logger, context: RunLogContext): Logger {
  const bindings = Object.fromEntries(
    Object.entries(context).filter(([, value]) => value !== undefined && value !== null),
  );
  return logger.child(bindings);
}
