import type { ExceptionRule } from '@tundra/core';
import type { ItemKind, ProjectData, TrackedItem } from '../model/taiga-data.js';
import { round1 } from '../stats/percentile.js';
import type { Period } from '../time/period.js';
import { daysBetween } from '../time/zoned.js';

/** What every report is made for: a project, a period, and the project's report knobs. */
export interface ReportOptions {
  project: { id: string; name: string };
  period: Period;
  generatedAt: string;
  startStatus?: string | undefined;
  agingDays?: number | undefined;
  bugTypes?: readonly string[] | undefined;
  rules?: readonly ExceptionRule[] | undefined;
}

const kindLabel: Record<ItemKind, string> = { userstory: 'US', task: 'Task', issue: 'Issue' };

/** `US #12`, `Task #40`, `Issue #7`: how people name an item. */
export function itemLabel(item: Pick<TrackedItem, 'kind' | 'ref'>): string {
  return `${kindLabel[item.kind]} #${item.ref}`;
}

/** Days between two instants, to a tenth. */
export function days(from: string, to: string): number {
  return round1(daysBetween(from, to));
}

/** A user's display name, or `—` for nobody. */
export function userName(data: ProjectData, id: number | null): string {
  if (id === null) return '';
  return data.users[String(id)] ?? `user ${id}`;
}

export function inPeriod(instant: string | null, period: Period): instant is string {
  return instant !== null && instant >= period.since && instant <= period.until;
}

/** `3 items` / `1 item`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A day figure for people: `2.5 days`, `1 day`, `n/a`. */
export function daysText(value: number | null): string {
  return value === null ? 'n/a' : count(value, 'day');
}
