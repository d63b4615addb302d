import { describe, expect, it } from 'vitest';
import { commonEnv } from '../config/load-config.js';
import { jobHandoverBoundMs } from './handover.js';

describe('jobHandoverBoundMs', () => {
  it('is the later of two stalled checks and the lock running out, plus the check that then finds it', () => {
    expect(jobHandoverBoundMs({ lockMs: 30_000, stalledIntervalMs: 30_000 })).toBe(60_000);
    expect(jobHandoverBoundMs({ lockMs: 1_000, stalledIntervalMs: 5_000 })).toBe(10_000);
    expect(jobHandoverBoundMs({ lockMs: 5_000, stalledIntervalMs: 2_000 })).toBe(7_000);
  });

  it('with the default settings, a dead worker’s job is handed on within 10 s', () => {
    const lockMs = commonEnv.TUNDRA_JOB_LOCK_MS.parse(undefined);
    const stalledIntervalMs = commonEnv.TUNDRA_STALLED_INTERVAL_MS.parse(undefined);
    expect(jobHandoverBoundMs({ lockMs, stalledIntervalMs })).toBeLessThanOrEqual(10_000);
  });
});
