/** The period a report covers: instants, both included, and the zone its days and weeks are counted in. */
export interface Period {
  since: string;
  until: string;
  timeZone: string;
}

/** How far back a report looks when no `since` is given. */
export const defaultPeriodDays = 28;

export class PeriodError extends Error {
  override readonly name = 'PeriodError';
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/** An instant from `2026-05-01` (midnight UTC) or an ISO-8601 date-time; a PeriodError names what is wrong. */
function parseInstant(value: string, name: string, endOfDay: boolean): string {
  const text = dateOnly.test(value) ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : value;
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new PeriodError(`${name} is not a date (YYYY-MM-DD) or an ISO-8601 date-time: ${value}`);
  return new Date(time).toISOString();
}

/**
 * The period of a report from optional bounds: `until` defaults to `now`, `since` to `periodDays` before `until`.
 * A bare date as `until` means the end of that day.
 */
export function resolvePeriod(input: {
  since?: string | undefined;
  until?: string | undefined;
  now: Date;
  timeZone: string;
  periodDays?: number | undefined;
}): Period {
  const until = input.until ? parseInstant(input.until, 'until', true) : input.now.toISOString();
  const since = input.since
    ? parseInstant(input.since, 'since', false)
    : new Date(Date.parse(until) - (input.periodDays ?? defaultPeriodDays) * 86_400_000).toISOString();
  if (since >= until) throw new PeriodError(`since (${since}) must be before until (${until})`);
  return { since, until, timeZone: input.timeZone };
}
