import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (scripts/ensure-test-tools.sh installs it); playwright-core never downloads a browser. */
export const chromiumPath = process.env.TUNDRA_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (CI keeps them as artifacts). */
export const artifactsDir = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../test-results/console',
);

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page as it is (injected into the page, which needs a context with `bypassCSP`: the console's
 * CSP rightly refuses inline scripts), saves a screenshot, and answers the serious and critical violations.
 */
export async function auditPage(page: Page, name: string): Promise<AxeViolation[]> {
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
  await page.addScriptTag({ content: axe.source });
  // A string, run in the page: the test's own globals (and its transpiler's helpers) are not there.
  const result = (await page.evaluate(`axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }).then((run) => run.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? null,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  })))`)) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
