import { describe, expect, it } from 'vitest';
import { luaConstantName, ScriptCode } from './codes.js';
import { readLuaInclude } from './script-loader.js';

describe('script result codes', () => {
  it('are the same numbers in Lua and TypeScript', () => {
    const lua = readLuaInclude('codes');
    const declared = Object.fromEntries(
      [...lua.matchAll(/^local (CODE_[A-Z_]+) = (-?\d+)$/gm)].map(([, name, value]) => [name, Number(value)]),
    );
    const expected = Object.fromEntries(
      Object.entries(ScriptCode).map(([name, value]) => [
        luaConstantName(name as keyof typeof ScriptCode),
        value,
      ]),
    );
    expect(declared).toEqual(expected);
  });
});
