import { luaHeaderNames } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { appendAuditScript, deleteProjectScript } from './api-store.js';
import { claimRequest, finishRequest, releaseRequest } from './idempotency-records.js';

describe("the API's Lua script headers", () => {
  it.each([deleteProjectScript, appendAuditScript, claimRequest, finishRequest, releaseRequest])(
    '$name.lua names the same KEYS and ARGV as its definition, in order',
    (script) => {
      expect(luaHeaderNames(script, 'KEYS')).toEqual(script.keys);
      expect(luaHeaderNames(script, 'ARGV')).toEqual(script.args);
    },
  );
});
