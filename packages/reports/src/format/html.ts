import type { Report, Table } from '../model/report.js';
import { displayCell, periodText, tableNamed } from './cells.js';
import { maxShownRows } from './markdown.js';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function htmlTable(table: Table, timeZone: string): string {
  if (table.rows.length === 0) return '<p><em>None.</em></p>';
  const head = table.columns.map((column) => `<th>${escapeHtml(column.label)}</th>`).join('');
  const body = table.rows
    .slice(0, maxShownRows)
    .map(
      (row) =>
        `<tr>${table.columns.map((column) => `<td>${escapeHtml(displayCell(row[column.key] ?? null, timeZone))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const cut =
    table.rows.length > maxShownRows
      ? `<p><em>${table.rows.length - maxShownRows} more rows in the csv and json formats.</em></p>`
      : '';
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${cut}`;
}

const style = `body{font-family:'DejaVu Sans',system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;font-size:.9rem}
th{background:#f4f4f4}figure{margin:1rem 0}.notes{color:#666}`;

/**
 * The report as one self-contained HTML page: the charts inline as SVG (`svgs`: chart id → SVG markup, rendered
 * at the edge), the tables, the notes.
 */
export function toHtml(report: Report, svgs: ReadonlyMap<string, string>): string {
  const tz = report.period.timeZone;
  const parts: string[] = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title><style>${style}</style></head><body>`,
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p>Period: ${escapeHtml(periodText(report))}</p>`,
    `<ul>${report.summary.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
  ];
  for (const section of report.sections) {
    parts.push(`<h2>${escapeHtml(section.title)}</h2>`);
    for (const line of section.lines) parts.push(`<p>${escapeHtml(line)}</p>`);
    for (const id of section.charts) {
      const svg = svgs.get(id);
      if (svg) parts.push(`<figure>${svg}</figure>`);
    }
    for (const name of section.tables) {
      const table = tableNamed(report, name);
      parts.push(`<h3>${escapeHtml(table.title)}</h3>`, htmlTable(table, tz));
    }
  }
  if (report.notes.length > 0)
    parts.push(`<div class="notes">${report.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('')}</div>`);
  parts.push(
    `<p class="notes">Made by Tundra at ${escapeHtml(displayCell(report.generatedAt, tz))}.</p>`,
    '</body></html>',
    '',
  );
  return parts.join('\n');
}
