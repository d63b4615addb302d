import type { Cell, Report, Table } from '../model/report.js';

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const displayFormats = new Map<string, Intl.DateTimeFormat>();

/** An instant as people read it in the project's zone: `2026-05-04 14:30`. */
export function displayInstant(instant: string, timeZone: string): string {
  let format = displayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    displayFormats.set(timeZone, format);
  }
  return format.format(new Date(instant));
}

/** A cell for people (Markdown, HTML, Slack): instants in the project's zone, nothing for null. */
export function displayCell(value: Cell, timeZone: string): string {
  if (value === null) return '';
  if (typeof value === 'string' && isoInstant.test(value)) return displayInstant(value, timeZone);
  return String(value);
}

export function tableNamed(report: Report, name: string): Table {
  const table = report.tables.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`report ${report.kind} has no table ${name}`);
  return table;
}

/** `2026-04-06 – 2026-05-04 (Europe/Paris)`. */
export function periodText(report: Report): string {
  const { since, until, timeZone } = report.period;
  return `${displayInstant(since, timeZone).slice(0, 10)} – ${displayInstant(until, timeZone).slice(0, 10)} (${timeZone})`;
}
