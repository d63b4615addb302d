import { type Project, parseJobPayload, QueueName, type ReportSchedule } from '@tundra/core';
import type { JobQueues } from '@tundra/core/server';

const prefix = 'report:';

/** The BullMQ job scheduler of one of a project's report schedules. */
export function schedulerId(projectId: string, schedule: string): string {
  return `${prefix}${projectId}:${schedule}`;
}

/** A schedule as `tundra reports list` shows it. */
export interface ScheduleInfo {
  projectId: string;
  schedule: string;
  report: string;
  cron: string;
  timeZone: string;
  destinations: string[];
  /** When it fires next, or null while no reporter has registered it yet. */
  next: string | null;
}

interface Wanted {
  id: string;
  project: Project;
  schedule: ReportSchedule;
}

function wantedSchedules(projects: readonly Project[]): Wanted[] {
  return projects.flatMap((project) =>
    (project.reports?.schedules ?? []).map((schedule) => ({
      id: schedulerId(project.id, schedule.name),
      project,
      schedule,
    })),
  );
}

/**
 * The projects' report schedules as BullMQ job schedulers on the report queue: a cron pattern in the project's time
 * zone, and a `report.run` job template. BullMQ gives each firing a job id made of the scheduler and the firing
 * time, so a schedule registered again (a restart, a second reporter) still makes one job per period.
 */
export class ReportSchedules {
  constructor(private readonly queues: JobQueues) {}

  private get queue() {
    return this.queues.queue(QueueName.Report);
  }

  /** Registers new and changed schedules and removes those no project has any more. */
  async sync(projects: readonly Project[]): Promise<{ upserted: string[]; removed: string[] }> {
    const wanted = wantedSchedules(projects);
    const existing = new Map(
      (await this.queue.getJobSchedulers(0, -1)).map((scheduler) => [scheduler.key, scheduler]),
    );
    const upserted: string[] = [];
    for (const { id, project, schedule } of wanted) {
      const data = parseJobPayload('report.run', {
        projectId: project.id,
        correlationId: id,
        report: schedule.report,
        schedule: schedule.name,
      });
      const tz = project.reports?.timeZone ?? 'UTC';
      const current = existing.get(id);
      if (
        current?.pattern === schedule.cron &&
        current.tz === tz &&
        JSON.stringify(current.template?.data) === JSON.stringify(data)
      ) {
        continue;
      }
      const { jobId: _jobId, delay: _delay, ...opts } = this.queues.jobOptions('report.run');
      await this.queue.upsertJobScheduler(
        id,
        { pattern: schedule.cron, tz },
        { name: 'report.run', data, opts },
      );
      upserted.push(id);
    }
    const keep = new Set(wanted.map((entry) => entry.id));
    const removed = [...existing.keys()].filter((id) => id.startsWith(prefix) && !keep.has(id));
    for (const id of removed) await this.queue.removeJobScheduler(id);
    return { upserted, removed };
  }

  /** The configured schedules of the projects, with their next firing as registered in BullMQ. */
  async list(projects: readonly Project[]): Promise<ScheduleInfo[]> {
    const registered = new Map(
      (await this.queue.getJobSchedulers(0, -1)).map((scheduler) => [scheduler.key, scheduler]),
    );
    return wantedSchedules(projects).map(({ id, project, schedule }) => {
      const next = registered.get(id)?.next;
      return {
        projectId: project.id,
        schedule: schedule.name,
        report: schedule.report,
        cron: schedule.cron,
        timeZone: project.reports?.timeZone ?? 'UTC',
        destinations: schedule.destinations ?? Object.keys(project.reports?.destinations ?? {}),
        next: typeof next === 'number' ? new Date(next).toISOString() : null,
      };
    });
  }
}
