import type { RedisClient } from '@tundra/core/server';
import { createKeys, RedisLock, type StateStore } from '@tundra/core/server';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createReportMetrics } from './metrics.js';
import { ReportCache } from './report-cache.js';
import { ReportService } from './report-service.js';
import { TaigaReader } from './taiga-reader.js';

export interface ReportsOptions {
  redis: RedisClient;
  prefix: string;
  store: StateStore;
  taiga: TaigaClient;
  registry: Registry;
  logger: Logger;
  now?: () => Date;
  fullSyncEveryMs?: number;
}

/** The report service with its Taiga reader, cache and metrics: what the reporter and the API both build. */
export function createReports(options: ReportsOptions) {
  const keys = createKeys(options.prefix);
  const now = options.now ?? (() => new Date());
  const metrics = createReportMetrics(options.registry);
  const cache = new ReportCache(options.redis, keys);
  const reader = new TaigaReader({
    taiga: options.taiga,
    cache,
    lock: new RedisLock(options.redis),
    lockKey: keys.reportSyncLock,
    metrics,
    logger: options.logger,
    now,
    ...(options.fullSyncEveryMs === undefined ? {} : { fullSyncEveryMs: options.fullSyncEveryMs }),
  });
  return {
    service: new ReportService({ taiga: reader, store: options.store, metrics, now }),
    cache,
    metrics,
  };
}
export type Reports = ReturnType<typeof createReports>;
