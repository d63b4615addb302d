import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The names a Lua script's header gives its KEYS or ARGV, in order: lines such as `KEYS[2] run: …`. Throws when the
 * header numbers them out of order, so a test comparing them with the script's definition fails on either.
 */
export function luaHeaderNames(script: { name: string; dir: string }, kind: 'KEYS' | 'ARGV'): string[] {
  const body = readFileSync(join(script.dir, `${script.name}.lua`), 'utf8');
  const header = body.slice(0, body.indexOf(']]'));
  const names: string[] = [];
  for (const [, index, field] of header.matchAll(
    new RegExp(`^\\s*${kind}\\[(\\d+)\\]\\s+([A-Za-z]+):`, 'gm'),
  )) {
    if (Number(index) !== names.length + 1)
      throw new Error(
        `${script.name}.lua: ${kind}[${index}] comes where ${kind}[${names.length + 1}] should`,
      );
    names.push(field!);
  }
  return names;
}
