import type { Project, ReportKind } from '@tundra/core';
import type { StateStore } from '@tundra/core/server';
import { toCsv } from '../format/csv.js';
import { toHtml } from '../format/html.js';
import { toJson } from '../format/json.js';
import { toMarkdown } from '../format/markdown.js';
import type { Report } from '../model/report.js';
import { chartToSvg, renderChart, stackedSpec, svgToPng } from '../render/render-chart.js';
import { buildReport } from '../reports/build-report.js';
import { PeriodError, resolvePeriod } from '../time/period.js';
import { ReportRequestError } from './errors.js';
import type { ReportMetrics } from './metrics.js';
import { readRunHistories } from './runs-reader.js';
import type { TaigaReader } from './taiga-reader.js';

export const ReportFormat = { md: 'md', csv: 'csv', json: 'json', html: 'html', png: 'png' } as const;
export type ReportFormat = (typeof ReportFormat)[keyof typeof ReportFormat];
export const reportFormats = Object.values(ReportFormat);

export const contentTypes: Record<ReportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  png: 'image/png',
};

export interface ReportParams {
  since?: string | undefined;
  until?: string | undefined;
  periodDays?: number | undefined;
}

export interface ReportOutput {
  contentType: string;
  body: Buffer;
}

export interface ReportServiceDeps {
  taiga: TaigaReader;
  store: StateStore;
  metrics: ReportMetrics;
  now: () => Date;
}

/** Makes reports: reads the data (Taiga through the cache, or the runs), computes, and renders a format. */
export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {}

  async build(project: Project, kind: ReportKind, params: ReportParams = {}): Promise<Report> {
    const settings = project.reports;
    const stop = this.deps.metrics.duration.startTimer({ kind });
    try {
      let period: ReturnType<typeof resolvePeriod>;
      try {
        period = resolvePeriod({ ...params, now: this.deps.now(), timeZone: settings?.timeZone ?? 'UTC' });
      } catch (error) {
        if (error instanceof PeriodError) throw new ReportRequestError(error.message);
        throw error;
      }
      const options = {
        project: { id: project.id, name: project.name },
        period,
        generatedAt: this.deps.now().toISOString(),
        startStatus: settings?.startStatus,
        agingDays: settings?.agingDays,
        bugTypes: settings?.bugTypes,
        rules: settings?.rules,
      };
      if (kind === 'work') {
        return buildReport(
          { kind, runs: await readRunHistories(this.deps.store, project.id, period) },
          options,
        );
      }
      const taiga = await this.deps.taiga.read(project.id, project.taiga.projectId);
      return buildReport({ kind, taiga }, options);
    } finally {
      stop();
    }
  }

  /** The report in a format. `chart` picks one chart for png (all of them, stacked, by default). */
  async render(
    report: Report,
    format: ReportFormat,
    options: { chart?: string | undefined } = {},
  ): Promise<ReportOutput> {
    const text = (body: string) => ({ contentType: contentTypes[format], body: Buffer.from(body, 'utf8') });
    switch (format) {
      case 'csv':
        return text(toCsv(report));
      case 'json':
        return text(toJson(report));
      case 'md': {
        // Self-contained: each chart as a PNG data URI (a file destination links files instead).
        const charts = await Promise.all(report.charts.map((chart) => renderChart(chart, { png: true })));
        const uris = new Map(
          charts.map((chart) => [chart.id, `data:image/png;base64,${chart.png?.toString('base64')}`]),
        );
        return text(toMarkdown(report, (chart) => uris.get(chart.id) ?? null));
      }
      case 'html': {
        const charts = await Promise.all(report.charts.map((chart) => renderChart(chart, { png: false })));
        return text(toHtml(report, new Map(charts.map((chart) => [chart.id, chart.svg]))));
      }
      case 'png': {
        const charts = options.chart
          ? report.charts.filter((chart) => chart.id === options.chart)
          : report.charts;
        if (charts.length === 0) {
          throw new ReportRequestError(
            options.chart
              ? `report ${report.kind} has no chart ${options.chart} (it has: ${report.charts.map((c) => c.id).join(', ') || 'none'})`
              : `report ${report.kind} has no charts: ask for md, csv, json or html`,
          );
        }
        const svg = await chartToSvg(charts.length === 1 ? (charts[0]?.spec ?? {}) : stackedSpec(charts));
        return { contentType: contentTypes.png, body: svgToPng(svg).png };
      }
      default: {
        const exhaustive: never = format;
        throw new ReportRequestError(`unknown format ${String(exhaustive)}`);
      }
    }
  }
}
