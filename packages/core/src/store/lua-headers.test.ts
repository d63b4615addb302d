import { luaHeaderNames } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { appendStepScript } from './append-step-script.js';
import { createRunScript } from './create-run-script.js';
import { chargeSpend } from './spend-ledger.js';
import { transitionScript } from './transition-script.js';

describe('Lua script headers', () => {
  it.each([transitionScript, createRunScript, appendStepScript, chargeSpend])(
    '$name.lua names the same KEYS and ARGV as its definition, in order',
    (script) => {
      expect(luaHeaderNames(script, 'KEYS')).toEqual(script.keys);
      expect(luaHeaderNames(script, 'ARGV')).toEqual(script.args);
    },
  );
});
