import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendStepScript } from './append-step-script.js';
import { createRunScript } from './create-run-script.js';
import { coreLuaDir } from './script-loader.js';
import { transitionScript } from './transition-script.js';

/** The names a script's header gives its KEYS or ARGV, in order: lines like `KEYS[2] run: …`. */
function headerNames(name: string, kind: 'KEYS' | 'ARGV'): string[] {
  const body = readFileSync(join(coreLuaDir, `${name}.lua`), 'utf8');
  const header = body.slice(0, body.indexOf(']]'));
  const names: string[] = [];
  for (const [, index, field] of header.matchAll(
    new RegExp(`^\\s*${kind}\\[(\\d+)\\]\\s+([A-Za-z]+):`, 'gm'),
  )) {
    expect(Number(index)).toBe(names.length + 1);
    names.push(field!);
  }
  return names;
}

describe('Lua script headers', () => {
  it.each([transitionScript, createRunScript, appendStepScript])(
    '$name.lua names the same KEYS and ARGV as its definition, in order',
    (script) => {
      expect(headerNames(script.name, 'KEYS')).toEqual(script.keys);
      expect(headerNames(script.name, 'ARGV')).toEqual(script.args);
    },
  );
});
