import type { JobHandler } from '@tundra/core/server';
import { failsForGood, type StateStore } from '@tundra/core/server';
import type { ReportMetrics } from '@tundra/reports/server';
import { type DeliveryContext, deliverReport, type ReportService } from '@tundra/reports/server';

export interface RunReportDeps {
  store: StateStore;
  service: ReportService;
  delivery: DeliveryContext;
  metrics: ReportMetrics;
}

/** What a retried job remembers in its progress: the destinations it already reached. */
interface Progress {
  delivered?: string[];
}

/**
 * `report.run`: makes one of a project's scheduled reports for the period ending when the scheduler fired, and sends
 * it to the schedule's destinations. An exception report with nothing fired posts nothing. A retry skips the
 * destinations an earlier attempt reached, so Slack does not get the same report twice.
 */
export function createRunReportHandler(deps: RunReportDeps): JobHandler<'report.run'> {
  return async (payload, { job, logger }) => {
    const project = await deps.store.projects.get(payload.projectId);
    const schedule = project?.reports?.schedules.find((candidate) => candidate.name === payload.schedule);
    if (!project || !schedule) {
      logger.info({ schedule: payload.schedule }, 'report schedule gone: nothing to do');
      return { outcome: 'schedule_gone' };
    }
    // A scheduler's job is created `delay` before it fires: that moment ends the period, whatever the attempt.
    const until = payload.until ?? new Date(job.timestamp + (job.opts.delay ?? 0)).toISOString();
    try {
      const report = await deps.service.build(project, schedule.report, {
        until,
        periodDays: schedule.periodDays,
      });
      for (const firing of report.firings) deps.metrics.firings.inc({ rule: firing.rule });
      if (report.kind === 'exceptions' && report.firings.length === 0) {
        deps.metrics.reports.inc({ kind: report.kind, outcome: 'nothing_to_post' });
        logger.info({ report: report.kind }, 'no exception rule fired: nothing posted');
        return { outcome: 'nothing_to_post' };
      }
      const already = new Set((job.progress as Progress | undefined)?.delivered ?? []);
      const delivered = await deliverReport(
        project,
        report,
        schedule.destinations,
        deps.delivery,
        already,
        async (entry) => {
          already.add(entry.destination);
          await job.updateProgress({ delivered: [...already] } satisfies Progress);
        },
      );
      deps.metrics.reports.inc({ kind: report.kind, outcome: 'delivered' });
      logger.info({ report: report.kind, until, delivered }, 'report delivered');
      return { outcome: 'delivered', delivered };
    } catch (error) {
      if (failsForGood(job, error)) deps.metrics.reports.inc({ kind: schedule.report, outcome: 'failed' });
      throw error;
    }
  };
}
