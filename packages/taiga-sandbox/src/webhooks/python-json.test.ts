import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from './python-json.js';

describe('pythonJsonDumps', () => {
  it.each([
    [{ a: 1, b: [true, null, 'x'] }, '{"a": 1, "b": [true, null, "x"]}'],
    [{ empty: {}, list: [] }, '{"empty": {}, "list": []}'],
    [{ text: 'línea\n"quoted"\t\u0001' }, '{"text": "línea\\n\\"quoted\\"\\t\\u0001"}'],
    [{ z: 1, a: 2 }, '{"z": 1, "a": 2}'],
    [[1.5, -3, 1795406018551], '[1.5, -3, 1795406018551]'],
  ])('writes %j as Python does', (value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it('escapes non-ASCII only with ensureAscii, as json.dumps does by default', () => {
    expect(pythonJsonDumps({ content: 'héllo ✓ \u007f' }, { ensureAscii: true })).toBe(
      '{"content": "h\\u00e9llo \\u2713 \\u007f"}',
    );
    expect(pythonJsonDumps({ content: 'héllo' })).toBe('{"content": "héllo"}');
  });
});
