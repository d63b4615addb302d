import type { Chart, Report, Table } from '../model/report.js';
import { displayCell, periodText, tableNamed } from './cells.js';

/** Where a chart's image is for a Markdown reader (a URL or a relative path), or null to leave it out. */
export type ChartLink = (chart: Chart) => string | null;

/** The longest table shown in full; the raw rows (csv, json) always hold everything. */
export const maxShownRows = 50;

function escapeCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

/** A GitHub-flavoured (and Taiga-flavoured) Markdown table, cut at `maxShownRows` with a line saying so. */
export function markdownTable(table: Table, timeZone: string): string[] {
  if (table.rows.length === 0) return ['_None._'];
  const header = `| ${table.columns.map((column) => escapeCell(column.label)).join(' | ')} |`;
  const rule = `| ${table.columns.map(() => '---').join(' | ')} |`;
  const rows = table.rows
    .slice(0, maxShownRows)
    .map(
      (row) =>
        `| ${table.columns.map((column) => escapeCell(displayCell(row[column.key] ?? null, timeZone))).join(' | ')} |`,
    );
  const cut =
    table.rows.length > maxShownRows
      ? [``, `_${table.rows.length - maxShownRows} more rows in the csv and json formats._`]
      : [];
  return [header, rule, ...rows, ...cut];
}

/**
 * The report as Markdown: title, period, headline figures, then each section with its charts (as images, where
 * `chartLink` says where they are) and tables. Taiga's wiki renders it as is.
 */
export function toMarkdown(report: Report, chartLink: ChartLink = () => null): string {
  const lines: string[] = [`# ${report.title}`, '', `Period: ${periodText(report)}`, ''];
  for (const sentence of report.summary) lines.push(`- ${sentence}`);
  for (const section of report.sections) {
    lines.push('', `## ${section.title}`, '');
    for (const line of section.lines) lines.push(line, '');
    for (const id of section.charts) {
      const chart = report.charts.find((candidate) => candidate.id === id);
      const link = chart ? chartLink(chart) : null;
      if (chart && link) lines.push(`![${chart.title}](${link})`, '');
    }
    for (const name of section.tables) {
      const table = tableNamed(report, name);
      lines.push(`**${table.title}**`, '', ...markdownTable(table, report.period.timeZone), '');
    }
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `> ${note}`));
  lines.push('', `_Made by Tundra at ${displayCell(report.generatedAt, report.period.timeZone)}._`, '');
  return lines.join('\n');
}
