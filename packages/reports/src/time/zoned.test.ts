import { describe, expect, it } from 'vitest';
import { resolvePeriod } from './period.js';
import { eachWeek, localDay, weekStart } from './zoned.js';

describe('local days and ISO weeks', () => {
  it('puts an instant on its local day', () => {
    expect(localDay('2026-03-08T23:30:00Z', 'UTC')).toBe('2026-03-08');
    expect(localDay('2026-03-08T23:30:00Z', 'Europe/Paris')).toBe('2026-03-09');
    expect(localDay('2026-03-09T03:00:00Z', 'America/New_York')).toBe('2026-03-08');
  });

  it('starts weeks on Monday, across years', () => {
    expect(weekStart('2026-03-15')).toBe('2026-03-09');
    expect(weekStart('2026-03-09')).toBe('2026-03-09');
    expect(weekStart('2027-01-01')).toBe('2026-12-28');
    expect(eachWeek('2026-03-04', '2026-03-16')).toEqual(['2026-03-02', '2026-03-09', '2026-03-16']);
  });
});

describe('report periods', () => {
  const now = new Date('2026-03-16T08:00:00Z');
  it('defaults to the 28 days before now', () => {
    expect(resolvePeriod({ now, timeZone: 'UTC' })).toEqual({
      since: '2026-02-16T08:00:00.000Z',
      until: '2026-03-16T08:00:00.000Z',
      timeZone: 'UTC',
    });
  });

  it('reads bare dates as whole days', () => {
    expect(resolvePeriod({ since: '2026-03-02', until: '2026-03-15', now, timeZone: 'UTC' })).toMatchObject({
      since: '2026-03-02T00:00:00.000Z',
      until: '2026-03-15T23:59:59.999Z',
    });
  });

  it('refuses what is not a date, and an empty period', () => {
    expect(() => resolvePeriod({ since: 'last week', now, timeZone: 'UTC' })).toThrow(/since is not a date/);
    expect(() => resolvePeriod({ since: '2026-03-20', until: '2026-03-10', now, timeZone: 'UTC' })).toThrow(
      /must be before/,
    );
  });
});
