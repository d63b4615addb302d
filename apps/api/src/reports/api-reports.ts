import type { RedisClient } from '@tundra/core/server';
import { createStateStore, type JobQueues } from '@tundra/core/server';
import { createReports, ReportSchedules } from '@tundra/reports/server';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ApiReports } from '../routes/reports.js';

/** The report service the API serves reports with: the same Taiga cache the reporter keeps, in the same Redis. */
export function apiReports(options: {
  redis: RedisClient;
  queues: JobQueues;
  taiga: TaigaClient;
  registry: Registry;
  logger: Logger;
  prefix: string;
  cacheTtlSeconds: number;
}): ApiReports {
  const store = createStateStore({ redis: options.redis, prefix: options.prefix });
  const reports = createReports({ ...options, store });
  return {
    service: reports.service,
    cache: reports.cache,
    metrics: reports.metrics,
    schedules: new ReportSchedules(options.queues),
    cacheTtlSeconds: options.cacheTtlSeconds,
  };
}
