import { writeFile } from 'node:fs/promises';
import { reportKinds } from '@tundra/core';
import type { Command } from 'commander';
import { withContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Io } from '../output.js';

const formats = ['md', 'csv', 'json', 'html', 'png'];

interface ReportOptions {
  project?: string;
  since?: string;
  until?: string;
  format: string;
  chart?: string;
  output?: string;
}

interface ScheduleInfo {
  projectId: string;
  schedule: string;
  report: string;
  cron: string;
  timeZone: string;
  destinations: string[];
  next: string | null;
}

/** `tundra report <kind>` and `tundra reports list`. */
export function registerReports(program: Command, io: Io, env: Record<string, string | undefined>): void {
  program
    .command('report')
    .description(`Make a report of a project: ${reportKinds.join(', ')}`)
    .argument('<kind>', `the report: ${reportKinds.join(', ')}`)
    .requiredOption('--project <id>', 'the project')
    .option('--since <date>', 'start of the period (YYYY-MM-DD or ISO 8601; default: 28 days before --until)')
    .option('--until <date>', 'end of the period (default: now)')
    .option(
      '--format <format>',
      `${formats.join(', ')} (md and html hold the charts; csv and json the raw rows)`,
      'md',
    )
    .option('--chart <id>', 'with --format png: one chart instead of all of them')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(
      withContext(io, env, async ({ api, out }, kind: string, options: ReportOptions) => {
        if (!(reportKinds as readonly string[]).includes(kind)) {
          throw usageError(`unknown report ${kind}: choose ${reportKinds.join(', ')}`);
        }
        if (!formats.includes(options.format))
          throw usageError(`--format must be one of ${formats.join(', ')}`);
        if (options.format === 'png' && !options.output)
          throw usageError('--format png writes an image: add --output <file>');
        const { body } = await api.download(
          `/projects/${encodeURIComponent(options.project ?? '')}/reports/${encodeURIComponent(kind)}`,
          { since: options.since, until: options.until, format: options.format, chart: options.chart },
        );
        if (options.output) {
          await writeFile(options.output, body);
          out.warn(`wrote ${options.output} (${body.length} bytes)`);
        } else {
          io.out.write(body);
        }
      }),
    );

  program
    .command('reports')
    .description('Report schedules')
    .command('list')
    .description("List the projects' report schedules and when each fires next")
    .option('--project <id>', 'only this project')
    .action(
      withContext(io, env, async ({ api, out }, options: { project?: string }) => {
        const { schedules } = await api.request<{ schedules: ScheduleInfo[] }>('GET', '/reports/schedules', {
          query: { project: options.project },
        });
        out.result({ schedules }, () =>
          out.table(
            ['PROJECT', 'SCHEDULE', 'REPORT', 'CRON', 'TIME ZONE', 'DESTINATIONS', 'NEXT'],
            schedules.map((s) => [
              s.projectId,
              s.schedule,
              s.report,
              s.cron,
              s.timeZone,
              s.destinations.join(', ') || '-',
              s.next ?? 'not registered yet (is the reporter running?)',
            ]),
          ),
        );
      }),
    );
}
