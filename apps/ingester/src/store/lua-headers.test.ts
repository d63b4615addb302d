import { luaHeaderNames } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { loadInboxScripts } from './inbox.js';

describe("the inbox's Lua script headers", () => {
  it.each(Object.values(loadInboxScripts()))(
    '$name.lua names the same KEYS and ARGV as its definition, in order',
    (script) => {
      expect(luaHeaderNames(script, 'KEYS')).toEqual(script.keys);
      expect(luaHeaderNames(script, 'ARGV')).toEqual(script.args);
    },
  );
});
