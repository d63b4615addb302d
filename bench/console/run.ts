// `pnpm bench:console`: how fast the console's runs page paints with 1,000 runs in the store, and how much it
// weighs. A real Redis, the API as a process, Debian's Chromium through playwright-core (headless). Figures, not
// assertions: docs/performance.md records them.
import { createStateStore } from '@tundra/core/server';
import { buildProjectSpec, createRunningRun, createTestRedis, spawnApp } from '@tundra/testkit';
import { chromium } from 'playwright-core';

const runCount = Number(process.env.BENCH_RUNS ?? 1000);
const loads = Number(process.env.BENCH_LOADS ?? 20);
const adminToken = 'bench-console-admin-token-0123456789';

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

interface Measured {
  paint: number;
  mark: number;
  rows: number;
  bytes: { html: number; css: number; js: number; api: number };
}

// Runs in the page. A string, not a function: tsx would wrap the function's inner names in a helper the page lacks.
const measure = `(() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
  const mark = performance.getEntriesByName('tundra:ready')[0]?.startTime ?? NaN;
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const sum = (test) => resources.filter((r) => test(r.name)).reduce((total, r) => total + r.decodedBodySize, 0);
  return {
    paint,
    mark,
    rows: document.querySelectorAll('tbody tr').length,
    bytes: {
      html: nav.decodedBodySize,
      css: sum((n) => n.endsWith('.css')),
      js: sum((n) => n.endsWith('.js')),
      api: sum((n) => n.includes('/api/v1/') || n.endsWith('/console/session')),
    },
  };
})()`;

const redis = await createTestRedis();
const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
await store.projects.put(buildProjectSpec({ id: 'bench' }), 0);
const seeding = performance.now();
for (let i = 0; i < runCount; i += 50) {
  await Promise.all(
    Array.from({ length: Math.min(50, runCount - i) }, (_, j) =>
      createRunningRun(store, 'bench', { steps: 3, title: `Run ${i + j}` }),
    ),
  );
}
console.log(`seeded ${runCount} runs of 3 steps in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

const api = spawnApp('apps/api/src/main.ts', {
  REDIS_URL: redis.url,
  TUNDRA_REDIS_PREFIX: redis.prefix,
  TUNDRA_API_TOKEN: adminToken,
  TUNDRA_API_PORT: '0',
  TUNDRA_API_HOST: '127.0.0.1',
  TUNDRA_OPS_HOST: '127.0.0.1',
  TUNDRA_LOG_LEVEL: 'info',
  // Never asked: the runs page needs no Taiga.
  TUNDRA_TAIGA_URL: 'http://127.0.0.1:9',
  TUNDRA_TAIGA_USERNAME: 'bench',
  TUNDRA_TAIGA_PASSWORD: 'bench',
});
const browser = await chromium.launch({
  executablePath: process.env.TUNDRA_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const line = await api.waitForLine((l) => l.msg === 'api listening');
  const url = `http://127.0.0.1:${line.port as number}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const signIn = await context.request.post(`${url}/console/sign-in`, {
    form: { token: adminToken },
    headers: { origin: url },
    maxRedirects: 0,
  });
  if (signIn.status() !== 303) throw new Error(`sign-in answered ${signIn.status()}`);

  const page = await context.newPage();
  const fcp: number[] = [];
  const ready: number[] = [];
  let bytes = { html: 0, css: 0, js: 0, api: 0 };
  for (let i = 0; i < loads + 2; i++) {
    await page.goto(`${url}/console/runs?project=bench`);
    await page.waitForSelector('body[data-ready]');
    const timing = (await page.evaluate(measure)) as Measured;
    if (timing.rows !== 50) throw new Error(`expected 50 rows, saw ${timing.rows}`);
    // The first load weighs everything (later ones come from the browser's cache); the first two warm the caches
    // of the API and the browser and are not timed.
    if (i === 0) bytes = timing.bytes;
    if (i < 2) continue;
    fcp.push(timing.paint);
    ready.push(timing.mark);
  }
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`runs page, ${runCount} runs in the store, 50 a page, ${loads} loads:`);
  console.log(`  first contentful paint   median ${ms(quantile(fcp, 0.5))}, p90 ${ms(quantile(fcp, 0.9))}`);
  console.log(
    `  table drawn with data    median ${ms(quantile(ready, 0.5))}, p90 ${ms(quantile(ready, 0.9))}`,
  );
  console.log(
    `  weight (uncompressed)    HTML ${bytes.html} B, CSS ${bytes.css} B, JS ${bytes.js} B (9 modules), API answers ${bytes.api} B`,
  );
} finally {
  await browser.close();
  await api.stop('SIGTERM');
  await redis.stop();
}
