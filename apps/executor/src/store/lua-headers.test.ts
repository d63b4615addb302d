import { luaHeaderNames } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { acquireSlot } from './project-slots.js';

describe("the executor's Lua script headers", () => {
  it('acquire-slot.lua names the same KEYS and ARGV as its definition, in order', () => {
    expect(luaHeaderNames(acquireSlot, 'KEYS')).toEqual(acquireSlot.keys);
    expect(luaHeaderNames(acquireSlot, 'ARGV')).toEqual(acquireSlot.args);
  });
});
