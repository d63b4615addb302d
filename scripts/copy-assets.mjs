// Copies non-TypeScript assets (Lua scripts, the engine supervisor) next to the compiled output: tsc only emits .js.
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: copy-assets.mjs <from> <to>');
  process.exit(2);
}
cpSync(resolve(from), resolve(to), { recursive: true });
