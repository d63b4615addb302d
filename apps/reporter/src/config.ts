import { commonEnv, envPort, envPositiveInt } from '@tundra/core/server';
import { TaigaClientEnv } from '@tundra/taiga';
import { z } from 'zod';

/** The reporter's environment: the settings every app has, Taiga's, and its own. */
export const reporterConfigSchema = z.object({
  ...commonEnv,
  ...TaigaClientEnv.shape,
  TUNDRA_REPORTER_PORT: envPort.default(9104),
  TUNDRA_REPORTER_CONCURRENCY: envPositiveInt.default(2),
  /** Directory destinations are paths under it. */
  TUNDRA_REPORTS_DIR: z.string().min(1).default('.tundra/reports'),
  /** How often projects' report schedules are read and registered with BullMQ. */
  TUNDRA_REPORTS_SCHEDULE_SYNC_MS: envPositiveInt.default(60_000),
  /** How often the report cache lists every Taiga item (finding deleted ones), in hours. */
  TUNDRA_REPORTS_FULL_SYNC_HOURS: envPositiveInt.default(168),
  /** Taiga's web front, for links to the wiki pages reports keep. */
  TUNDRA_TAIGA_WEB_URL: z.url().optional(),
});
export type ReporterConfig = z.infer<typeof reporterConfigSchema>;
