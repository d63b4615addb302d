import { ConfigError, loadConfig } from '@tundra/core/server';
import { describe, expect, it } from 'vitest';
import { ingesterConfigSchema } from './config.js';

describe('the ingester configuration', () => {
  it('lists every problem at once, the missing bot identity included, when other variables are also wrong', () => {
    const attempt = () =>
      loadConfig('ingester', ingesterConfigSchema, { REDIS_URL: 'nope', TUNDRA_INGESTER_PORT: 'eighty' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/3 problems/);
    for (const variable of ['REDIS_URL', 'TUNDRA_INGESTER_PORT', 'TUNDRA_TAIGA_BOT_USERNAME']) {
      expect(attempt).toThrow(variable);
    }
  });

  it('takes the bot by user id alone', () => {
    const config = loadConfig('ingester', ingesterConfigSchema, { TUNDRA_TAIGA_BOT_USER_ID: '7' });
    expect(config.TUNDRA_TAIGA_BOT_USER_ID).toBe(7);
  });
});
