/**
 * Calendar days and ISO weeks of instants in a time zone, with Intl only: reports bucket by the project's local day
 * and week, and a week starts on Monday. A "day" here is a `YYYY-MM-DD` string.
 */

const dayMs = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local calendar day of an instant in `timeZone`. */
export function localDay(instant: string | Date, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  // en-CA formats as YYYY-MM-DD.
  return formatterFor(timeZone).format(date);
}

function dayNumber(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date) / dayMs;
}

function dayFromNumber(days: number): string {
  return new Date(days * dayMs).toISOString().slice(0, 10);
}

export function addDays(day: string, count: number): string {
  return dayFromNumber(dayNumber(day) + count);
}

/** The Monday of the ISO week that holds `day`. */
export function weekStart(day: string): string {
  const number = dayNumber(day);
  // 1970-01-01 was a Thursday: day 0 → weekday 3 counting from Monday = 0.
  const weekday = (((number + 3) % 7) + 7) % 7;
  return dayFromNumber(number - weekday);
}

/** Every day from `first` to `last`, both included. */
export function eachDay(first: string, last: string): string[] {
  const days: string[] = [];
  for (let n = dayNumber(first); n <= dayNumber(last); n += 1) days.push(dayFromNumber(n));
  return days;
}

/** The Mondays of the weeks from the one holding `first` to the one holding `last`. */
export function eachWeek(first: string, last: string): string[] {
  const weeks: string[] = [];
  for (let week = weekStart(first); week <= last; week = addDays(week, 7)) weeks.push(week);
  return weeks;
}

/** Days between two instants, as a fraction. */
export function daysBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / dayMs;
}
