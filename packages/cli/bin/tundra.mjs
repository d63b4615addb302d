#!/usr/bin/env node
// The `tundra` command. An installed copy (`pnpm deploy`, see docs/cli.md) holds bin/ and dist/ only and runs the
// build. In a checkout src/ sits beside this file, and it runs the TypeScript sources instead, through tsx and with
// the workspace packages resolved by their `source` condition, as every script and test of the workspace does:
// `pnpm exec tundra` and the tests never run a missing or stale build.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const sources = new URL('../src/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  register('./source-condition.mjs', import.meta.url);
  await import(sources.href);
} else {
  await import('../dist/main.js');
}
