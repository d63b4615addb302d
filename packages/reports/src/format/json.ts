import type { Report } from '../model/report.js';

/** The report's data without its chart specs (which repeat the tables): what `--format json` prints. */
export function toJson(report: Report): string {
  const { charts, ...data } = report;
  return `${JSON.stringify({ ...data, charts: charts.map((chart) => ({ id: chart.id, title: chart.title })) }, null, 2)}\n`;
}
