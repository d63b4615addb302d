import cronParser from 'cron-parser';
import { z } from 'zod';

/** The reports Tundra makes from a project's Taiga data and its own runs (docs/reports.md). */
export const ReportKind = {
  bugs: 'bugs',
  flow: 'flow',
  aging: 'aging',
  work: 'work',
  exceptions: 'exceptions',
} as const;
export type ReportKind = (typeof ReportKind)[keyof typeof ReportKind];
export const reportKinds = Object.values(ReportKind);

const slug = z.string().min(1).max(100);

/** An IANA time zone the runtime knows (`Europe/Paris`, `UTC`). */
export const TimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'an IANA time zone such as Europe/Paris or UTC' },
);

/**
 * A cron expression as BullMQ's job schedulers read it (cron-parser 4, the version BullMQ uses: 5 fields, or 6 with
 * seconds first). It is checked here, when the project is applied, rather than when the scheduler first fires.
 */
export const CronPattern = z
  .string()
  .min(1)
  .refine(
    (pattern) => {
      try {
        cronParser.parseExpression(pattern);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'a cron expression such as "0 9 * * 1" (minute hour day-of-month month day-of-week)' },
  );

/** A rule of the exception report: it fires, and the report is posted, only when the rule finds something. */
export const ExceptionRule = z.discriminatedUnion('kind', [
  /** An item blocked for longer than `days`. */
  z.object({ kind: z.literal('blocked-longer-than'), days: z.number().positive().max(365) }),
  /**
   * A user story status holding more stories than its limit: `limits` (status slug → count) where given, else the
   * WIP limit set on the status in Taiga.
   */
  z.object({
    kind: z.literal('wip-over-limit'),
    limits: z.record(slug, z.number().int().min(0)).optional(),
  }),
  /** An open issue of the named severity (`Critical`) older than `days`. */
  z.object({
    kind: z.literal('issue-open-longer-than'),
    severity: z.string().min(1).max(100),
    days: z.number().positive().max(365),
  }),
]);
export type ExceptionRule = z.infer<typeof ExceptionRule>;

/**
 * Where a project's reports go. Secrets are named, never written here: `webhookUrlRef` is the environment variable
 * (of the reporter and the API) that holds the Slack incoming-webhook URL. A directory is a path under the
 * reporter's `TUNDRA_REPORTS_DIR`, so a project setting cannot write anywhere else on the host.
 */
export const ReportDestinations = z.object({
  slack: z
    .object({
      webhookUrlRef: z
        .string()
        .regex(
          /^TUNDRA_SLACK_WEBHOOK_[A-Z0-9_]+$/,
          'an environment variable named TUNDRA_SLACK_WEBHOOK_<NAME>',
        ),
    })
    .optional(),
  /** A Taiga wiki page per report kind, kept up to date, with a link in the wiki's sidebar. */
  taigaWiki: z.object({ titlePrefix: z.string().min(1).max(100).optional() }).optional(),
  directory: z
    .object({
      path: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'a relative path of letters, digits, - and _ (no ..)'),
      /** Where that directory is served, if it is: Slack and the wiki then show the charts as images. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    })
    .optional(),
});
export type ReportDestinations = z.infer<typeof ReportDestinations>;
export const ReportDestinationName = {
  slack: 'slack',
  taigaWiki: 'taigaWiki',
  directory: 'directory',
} as const;
export type ReportDestinationName = (typeof ReportDestinationName)[keyof typeof ReportDestinationName];

/** A report made on a cron schedule in the project's time zone, and sent to some (default: all) destinations. */
export const ReportSchedule = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes'),
  report: z.enum(reportKinds),
  cron: CronPattern,
  /** The period a scheduled report covers, ending when it runs (28 days when absent). */
  periodDays: z.number().int().min(1).max(366).optional(),
  destinations: z
    .array(z.enum(Object.values(ReportDestinationName)))
    .min(1)
    .optional(),
});
export type ReportSchedule = z.infer<typeof ReportSchedule>;

/** A project's reporting: time zone, destinations, schedules, exception rules and a few knobs of the reports. */
export const ReportSettings = z
  .object({
    timeZone: TimeZone,
    destinations: ReportDestinations,
    schedules: z.array(ReportSchedule).max(50),
    rules: z.array(ExceptionRule).max(50),
    /** The status whose first entry starts a story's cycle time (default: `in-progress` or `in_progress`). */
    startStatus: slug.optional(),
    /** Open items in one status longer than this show as aging (7 days when absent). */
    agingDays: z.number().positive().max(365).optional(),
    /** Issue types counted as bugs in "open bugs by age" and "time to close" (default: `Bug`). */
    bugTypes: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((settings) => new Set(settings.schedules.map((s) => s.name)).size === settings.schedules.length, {
    message: 'schedule names must be unique',
    path: ['schedules'],
  });
export type ReportSettings = z.infer<typeof ReportSettings>;
