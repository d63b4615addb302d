import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { toCsv } from '../../format/csv.js';
import { toHtml } from '../../format/html.js';
import { toJson } from '../../format/json.js';
import { toMarkdown } from '../../format/markdown.js';
import type { Report } from '../../model/report.js';
import type { RenderedChart } from '../../render/render-chart.js';
import { localDay } from '../../time/zoned.js';

/** Where a report's files go under a destination directory: `<kind>/<last day of the period>/`. */
export function reportFolder(report: Report): string {
  return `${report.kind}/${localDay(report.period.until, report.period.timeZone)}`;
}

/**
 * Writes a report as files: `report.md` (charts linked), `report.html` (charts inline), `report.csv`,
 * `report.json`, and each chart as `charts/<id>.svg` and `.png`. Returns the folder.
 */
export async function writeReportFiles(
  base: string,
  report: Report,
  charts: readonly RenderedChart[],
): Promise<string> {
  const folder = resolve(base, reportFolder(report));
  await mkdir(join(folder, 'charts'), { recursive: true });
  const svgs = new Map(charts.map((chart) => [chart.id, chart.svg]));
  await Promise.all([
    writeFile(
      join(folder, 'report.md'),
      toMarkdown(report, (chart) => (svgs.has(chart.id) ? `charts/${chart.id}.png` : null)),
    ),
    writeFile(join(folder, 'report.html'), toHtml(report, svgs)),
    writeFile(join(folder, 'report.csv'), toCsv(report)),
    writeFile(join(folder, 'report.json'), toJson(report)),
    ...charts.flatMap((chart) => [
      writeFile(join(folder, 'charts', `${chart.id}.svg`), chart.svg),
      ...(chart.png ? [writeFile(join(folder, 'charts', `${chart.id}.png`), chart.png)] : []),
    ]),
  ]);
  return folder;
}
