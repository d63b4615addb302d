import { currentJobContext, type WorkerDeps, type WorkerHandlers } from '@tundra/core/server';
import { createReports, ReportSchedules } from '@tundra/reports/server';
import { createTaigaClient, taigaClientSettingsFromEnv } from '@tundra/taiga';
import type { ReporterConfig } from './config.js';
import { createRunReportHandler } from './handlers/run-report.js';

/**
 * The reporter's job, `report.run`, and the loop that keeps BullMQ's job schedulers in step with the projects'
 * report schedules (at start, then every TUNDRA_REPORTS_SCHEDULE_SYNC_MS).
 */
export async function createReporterHandlers(
  deps: WorkerDeps,
  config: ReporterConfig,
  env: Record<string, string | undefined>,
): Promise<WorkerHandlers> {
  const { store, queues, redis, registry, logger } = deps;
  const taiga = createTaigaClient({
    ...taigaClientSettingsFromEnv(env),
    registry,
    logger,
    context: currentJobContext,
  });
  const reports = createReports({
    redis,
    prefix: config.TUNDRA_REDIS_PREFIX,
    store,
    taiga,
    registry,
    logger,
    fullSyncEveryMs: config.TUNDRA_REPORTS_FULL_SYNC_HOURS * 3_600_000,
  });
  const schedules = new ReportSchedules(queues);
  const syncSchedules = async () => {
    const { upserted, removed } = await schedules.sync(await store.projects.list());
    if (upserted.length + removed.length > 0)
      logger.info({ upserted, removed }, 'report schedules registered');
  };
  await syncSchedules();
  let syncing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    syncing = syncSchedules().catch((error: unknown) =>
      logger.error({ err: error }, 'report schedules not synced'),
    );
  }, config.TUNDRA_REPORTS_SCHEDULE_SYNC_MS);
  return {
    handlers: {
      'report.run': createRunReportHandler({
        store,
        service: reports.service,
        metrics: reports.metrics,
        delivery: {
          taiga,
          env,
          reportsDir: config.TUNDRA_REPORTS_DIR,
          taigaWebUrl: config.TUNDRA_TAIGA_WEB_URL ?? null,
          metrics: reports.metrics,
          logger,
        },
      }),
    },
    async stop() {
      clearInterval(timer);
      await syncing;
    },
  };
}
