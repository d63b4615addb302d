import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The core store's scripts; other packages keep their own `lua/` directory and pass it in. */
export const coreLuaDir = join(dirname(fileURLToPath(import.meta.url)), 'lua');
const includePattern = /^--- @include "([a-z0-9-]+)"$/gm;

/**
 * Reads `<dir>/<name>.lua` and inlines its `--- @include "name"` lines (BullMQ's scheme) from `<dir>/includes/`,
 * falling back to the core's includes, so shared helpers (result codes, event appends) are written once and every
 * script stays one self-contained EVAL body.
 */
export function loadLuaScript(name: string, dir: string = coreLuaDir): string {
  const body = readFileSync(join(dir, `${name}.lua`), 'utf8');
  return body.replace(includePattern, (_line, include: string) => {
    const local = join(dir, 'includes', `${include}.lua`);
    return readFileSync(existsSync(local) ? local : join(coreLuaDir, 'includes', `${include}.lua`), 'utf8');
  });
}

/** The raw text of an include, for tests that check Lua and TypeScript agree. */
export function readLuaInclude(name: string): string {
  return readFileSync(join(coreLuaDir, 'includes', `${name}.lua`), 'utf8');
}
