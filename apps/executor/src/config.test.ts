import { ConfigError, loadConfig } from '@tundra/core/server';
import { describe, expect, it } from 'vitest';
import { executorConfigSchema, stepHandoverBoundMs } from './config.js';

describe('the executor configuration', () => {
  it('reports a lease longer than the job lock along with every other problem', () => {
    const attempt = () =>
      loadConfig('executor', executorConfigSchema, {
        TUNDRA_EXECUTOR_PORT: 'eighty',
        TUNDRA_STEP_LEASE_MS: '60000',
        TUNDRA_JOB_LOCK_MS: '30000',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/2 problems/);
    expect(attempt).toThrow('TUNDRA_EXECUTOR_PORT');
    expect(attempt).toThrow('TUNDRA_STEP_LEASE_MS: must be shorter than TUNDRA_JOB_LOCK_MS');
  });

  it('leaves the comparison out when one of its two numbers is itself invalid', () => {
    expect(() =>
      loadConfig('executor', executorConfigSchema, {
        TUNDRA_STEP_LEASE_MS: 'soon',
        TUNDRA_JOB_LOCK_MS: '30000',
      }),
    ).toThrow(/1 problem\b/);
  });

  it('with the defaults, a dead executor’s step is started again within 10 s', () => {
    expect(stepHandoverBoundMs(loadConfig('executor', executorConfigSchema, {}))).toBeLessThanOrEqual(10_000);
  });
});
