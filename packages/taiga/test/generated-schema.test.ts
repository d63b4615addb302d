import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

// The same generation `pnpm generate` runs, done in-process so that `pnpm test` catches a stale schema.ts.
describe('src/generated/schema.ts', () => {
  it('is what openapi-typescript makes of openapi/taiga.yaml', async () => {
    const spec = new URL('../openapi/taiga.yaml', import.meta.url);
    const fresh = `${COMMENT_HEADER}${astToString(await openapiTS(spec))}`;
    const committed = readFileSync(new URL('../src/generated/schema.ts', import.meta.url), 'utf8');
    expect(fresh === committed, 'stale: run `pnpm --filter @tundra/taiga generate`').toBe(true);
  });
});
