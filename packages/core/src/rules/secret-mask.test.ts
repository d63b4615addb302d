import { describe, expect, it } from 'vitest';
import { createSecretMasker, secretValues } from './secret-mask.js';

describe('secret masking', () => {
  it('masks every occurrence of the named values, the longest first', () => {
    const values = secretValues(['API_KEY', 'OTHER', 'SHORT', 'MISSING'], {
      API_KEY: 'sk-ant-123456',
      OTHER: 'sk-ant-123456-more',
      SHORT: 'abc',
    });
    expect(values).toEqual(['sk-ant-123456-more', 'sk-ant-123456']);
    const mask = createSecretMasker(values);
    expect(mask('key=sk-ant-123456-more and sk-ant-123456, twice sk-ant-123456')).toBe(
      'key=*** and ***, twice ***',
    );
  });

  it('leaves text alone with no secrets', () => {
    expect(createSecretMasker([])('abc')).toBe('abc');
  });
});
