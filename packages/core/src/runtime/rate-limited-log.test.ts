import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitedLog } from './rate-limited-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimitedLog', () => {
  it('logs the first of a kind at once and the rest as one count at the end of the interval', () => {
    const { lines, logger } = capture();
    const log = new RateLimitedLog(logger, 60_000);
    for (let i = 0; i < 1000; i++)
      log.log('error', 'github:no_secret', { source: 'github', i }, 'webhook secret not configured');
    log.log('warn', 'ci:no_secret', { source: 'ci' }, 'webhook secret not configured');
    expect(lines.map((l) => [l.level, l.kind, l.i])).toEqual([
      [50, 'github:no_secret', 0],
      [40, 'ci:no_secret', undefined],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({
      level: 50,
      kind: 'github:no_secret',
      source: 'github',
      i: 999,
      suppressed: 999,
      msg: 'webhook secret not configured (999 more like it in the last 60 s)',
    });
    // A new interval starts with the next one, logged at once again.
    log.log('error', 'github:no_secret', { source: 'github' }, 'webhook secret not configured');
    expect(lines).toHaveLength(4);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(4);
  });

  it('flushes what it counted when asked (on shutdown)', () => {
    const { lines, logger } = capture();
    const log = new RateLimitedLog(logger, 60_000);
    log.log('warn', 'unauthorized', {}, 'request without a valid token');
    log.log('warn', 'unauthorized', {}, 'request without a valid token');
    log.flush();
    expect(lines.map((l) => l.suppressed)).toEqual([undefined, 1]);
  });
});
