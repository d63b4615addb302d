import type { Report, Table } from '../model/report.js';
import { tableNamed } from './cells.js';

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A table as RFC 4180 CSV (CRLF line ends, a header row), raw values: ISO instants, numbers as numbers. */
export function tableToCsv(table: Table): string {
  const lines = [table.columns.map((column) => csvField(column.key)).join(',')];
  for (const row of table.rows)
    lines.push(table.columns.map((column) => csvField(row[column.key] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The report's raw rows (its `rowsTable`), or another of its tables by name. */
export function toCsv(report: Report, tableName: string = report.rowsTable): string {
  return tableToCsv(tableNamed(report, tableName));
}
