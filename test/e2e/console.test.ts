import { type AppProcess, buildTaigaItem, freePort, spawnApp, testActor } from '@tundra/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { auditPage, launchBrowser } from './support/browser.js';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory } from './support/taiga-board.js';

// The console in a real headless Chromium, against the real API and the whole system over a real Redis.
let system: TundraSystem;
let api: AppProcess;
let apiUrl: string;
let browser: Browser;
let admin: BrowserContext;
let mainSeed: Awaited<ReturnType<TundraSystem['addProject']>>['seed'];
/** A project that asks a person to approve each plan: its runs wait in `planned`. */
let gatedSeed: Awaited<ReturnType<TundraSystem['addProject']>>['seed'];

/** Starts the API on its port (a fixed one, so that a restart keeps the pages' origin and their cookie). */
async function startApi(port: number): Promise<void> {
  api = spawnApp('apps/api/src/main.ts', {
    ...system.env,
    TUNDRA_API_PORT: String(port),
    TUNDRA_API_HOST: '127.0.0.1',
    TUNDRA_INGESTER_URL: system.ingesterUrl,
    TUNDRA_TAIGA_WEB_URL: 'https://taiga.example.com',
  });
  await api.waitForLine((l) => l.msg === 'api listening');
}

beforeAll(async () => {
  system = await startSystem();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  // Each is kept as soon as it exists, so that afterAll stops it even when the other failed to start.
  await Promise.all([
    startApi(port),
    launchBrowser().then((launched) => {
      browser = launched;
    }),
  ]);
  ({ seed: mainSeed } = await system.addProject('main', { qaPolicy: { kind: 'manual' } }));
  ({ seed: gatedSeed } = await system.addProject('other', { planApproval: 'required' }));
  // bypassCSP only so that axe-core can be injected; the pages themselves never need it.
  admin = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop('SIGTERM');
  await system?.stop();
});

function explainFailure() {
  onTestFailed(() => console.error(system.describeLogs(), api.lines.slice(-20)));
}

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${apiUrl}/console/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-ready]');
  return page;
}

async function open(page: Page, path: string) {
  await page.goto(`${apiUrl}${path}`);
  await page.waitForSelector('body[data-ready]');
}

async function expectAccessible(page: Page, name: string) {
  expect(await auditPage(page, name), `axe on ${name}`).toEqual([]);
}

describe('the console', () => {
  it('signs in with the admin token into an HttpOnly, SameSite=Strict cookie, nothing in localStorage', async () => {
    explainFailure();
    const page = await admin.newPage();
    await page.goto(`${apiUrl}/console/runs`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Token').fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not the admin token');
    await page.close();

    const signed = await signIn(admin, system.env.TUNDRA_API_TOKEN!);
    await expect(signed.locator('#who').textContent()).resolves.toBe('Signed in as admin');
    const [cookie] = await admin.cookies();
    expect(cookie).toMatchObject({ name: 'tundra-session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(system.env.TUNDRA_API_TOKEN);
    expect(await signed.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    await expectAccessible(signed, 'waiting-empty');
    await signed.close();
  });

  it('follows a run live from planning to completed, rejecting and approving the steps that wait for manual QA', async () => {
    explainFailure();
    const story = await createStory(system.sandbox, mainSeed.project.id, 'Add a login page', [
      'Add the form',
      'Wire the API',
    ]);
    await assignToBot(system.sandbox, story.id, mainSeed.users.bot.id);
    const runId = await system.runForStory('main', story.id);
    const page = await admin.newPage();
    await open(page, `/console/runs/${runId}`);
    await page.waitForSelector('.timeline li[data-type="protocol_run.created"]');

    // Step 1 reaches needs_qa: reject it on the run's page, which asks why; its next attempt comes back to QA and
    // is approved there. Its log shows both attempts.
    const first = page.locator('tr', { hasText: 'Add the form' });
    await first.getByRole('button', { name: 'Reject' }).click({ timeout: 60_000 });
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (required)').fill('the form has no labels');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page
      .locator('.timeline li[data-type="step_run.qa_failed"]', { hasText: 'the form has no labels' })
      .waitFor();

    // The API restarts while the step's second attempt runs: the page says it is reconnecting, then resumes its
    // tail from the last event it showed (Last-Event-ID).
    await api.stop('SIGTERM');
    const live = page.locator('#h-timeline [role="status"]');
    await live.getByText('reconnecting').waitFor();
    await startApi(Number(new URL(apiUrl).port));
    await live.getByText('live').waitFor({ timeout: 60_000 });
    await first.getByRole('button', { name: 'Approve' }).click({ timeout: 60_000 });
    await first.getByRole('button', { name: 'Log' }).click();
    await expect(
      page.locator('pre.log').getByText("engine: step 'Add the form', attempt 2").waitFor(),
    ).resolves.toBeUndefined();

    // Step 2 waits on the "waiting for a person" page: approve it there.
    const waiting = await admin.newPage();
    for (;;) {
      await open(waiting, '/console/');
      if ((await waiting.locator('article', { hasText: 'Wire the API' }).count()) > 0) break;
      await page
        .locator('tr', { hasText: 'Wire the API' })
        .getByText('needs qa')
        .waitFor({ timeout: 60_000 });
    }
    await expectAccessible(waiting, 'waiting');
    await waiting
      .locator('article', { hasText: 'Wire the API' })
      .getByRole('button', { name: 'Approve' })
      .click();
    await waiting.getByText('Approve: done.').waitFor();

    // The run's page saw it all happen, without a reload.
    await page.locator('#run-status').getByText('completed').waitFor({ timeout: 60_000 });
    await page.waitForSelector('.timeline li[data-type="protocol_run.steps_completed"]');
    const types = await page
      .locator('.timeline li')
      .evaluateAll((items) => items.map((li) => li.dataset.type));
    expect(types.slice(0, 3)).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
      'protocol_run.plan_stored',
    ]);
    expect(types.filter((t) => t === 'step_run.approved')).toHaveLength(2);
    expect(types.filter((t) => t === 'step_run.retried')).toHaveLength(1);
    // Across the restart nothing was missed and nothing shown twice: the timeline is the run's stream, in order.
    await expect
      .poll(async () => {
        const stream = (await system.store.events.readRun(runId, { count: 1000 })).map((event) => event.id);
        const shown = await page
          .locator('.timeline li')
          .evaluateAll((items) => items.map((li) => li.dataset.id));
        return JSON.stringify(shown) === JSON.stringify(stream) ? 'the same' : { shown, stream };
      })
      .toBe('the same');
    await expectAccessible(page, 'run');
    await open(page, '/console/runs?project=main');
    await page.locator('tbody tr', { hasText: 'Add a login page' }).waitFor();
    await expectAccessible(page, 'runs');
    await page.close();
    await waiting.close();
  });

  it('approves a plan that waits for a person, cancels a run after asking, and shows the API’s refusal as it is', async () => {
    explainFailure();
    const planned = async (title: string) => {
      const story = await createStory(system.sandbox, gatedSeed.project.id, title, ['Do it']);
      await assignToBot(system.sandbox, story.id, gatedSeed.users.bot.id);
      const runId = await system.runForStory('other', story.id);
      await system.waitForRunEvent(runId, 'protocol_run.plan_ready');
      return runId;
    };
    const [approved, runId] = await Promise.all([planned('Ship the new page'), planned('Drop the old page')]);

    // Both plans wait on the "waiting for a person" page, each with its approval.
    const page = await admin.newPage();
    await open(page, '/console/');
    const plans = page.getByRole('region', { name: /Plans waiting for approval/ });
    await expect(plans.locator('article').count()).resolves.toBe(2);
    await expectAccessible(page, 'waiting-approval');
    await plans
      .locator('article', { hasText: 'Ship the new page' })
      .getByRole('button', { name: 'Approve plan' })
      .click();
    await page.getByText('Approve plan: done.').waitFor();
    await system.waitForRunEvent(approved, 'protocol_run.run_started');
    const started = (await system.store.events.readRun(approved, { count: 1000 })).find(
      (e) => e.type === 'protocol_run.run_started',
    );
    expect(started).toMatchObject({
      actor: { kind: 'operator', name: 'admin' },
      payload: { action: 'start' },
    });

    // The other is cancelled from its page, after the console asked and took a reason.
    await open(page, `/console/runs/${runId}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (optional)').fill('wrong story');
    await expectAccessible(page, 'confirm');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#run-status').getByText('cancelled').waitFor();
    await page
      .locator('.timeline li[data-type="protocol_run.cancelled"]', { hasText: 'wrong story' })
      .waitFor();
    const events = await system.store.events.readRun(runId, { count: 1000 });
    expect(events.find((e) => e.type === 'protocol_run.cancelled')).toMatchObject({
      actor: { kind: 'operator', name: 'admin' },
      payload: { action: 'cancel', reason: 'wrong story' },
    });

    // A refusal: the API's own words, as they are.
    await open(page, '/console/runs?project=main');
    await page.getByLabel('Ref to start').fill('9999');
    await page.getByRole('button', { name: 'Start run' }).click();
    const refusal = await page.getByRole('alert').textContent();
    const direct = await fetch(`${apiUrl}/api/v1/runs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${system.env.TUNDRA_API_TOKEN}`,
        'idempotency-key': 'refusal-check',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ projectId: 'main', ref: 9999 }),
    });
    expect(refusal).toBe(((await direct.json()) as { error: { message: string } }).error.message);
    await page.close();
  });

  it('shows the inbox and the queues to the admin, who may replay a delivery', async () => {
    explainFailure();
    const page = await admin.newPage();
    await open(page, '/console/inbox');
    const row = page.locator('tbody tr', { hasText: 'main' }).first();
    await row.waitFor();
    await expectAccessible(page, 'inbox');
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Replay: done.').waitFor();
    await open(page, '/console/projects/main');
    await page.getByRole('heading', { name: 'Webhook health' }).waitFor();
    await expectAccessible(page, 'project');
    await page.close();

    // Every asset comes from the API: bull-board's request for web fonts never leaves, as its CSP refuses it (in a
    // context that keeps CSP, unlike the one axe needs).
    const plain = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const signed = await plain.request.post(`${apiUrl}/console/sign-in`, {
      form: { token: system.env.TUNDRA_API_TOKEN! },
      headers: { origin: apiUrl },
      maxRedirects: 0,
    });
    expect(signed.status()).toBe(303);
    const queues = await plain.newPage();
    // Chromium reports the request it refuses under the CSP as a failed one; only an answer means it left.
    const elsewhere: string[] = [];
    const refused: string[] = [];
    queues.on('response', (response) => {
      if (!response.url().startsWith(apiUrl)) elsewhere.push(response.url());
    });
    queues.on('requestfailed', (request) => {
      if (!request.url().startsWith(apiUrl)) refused.push(request.failure()?.errorText ?? '');
    });
    const board = await queues.goto(`${apiUrl}/console/queues/`);
    expect(board!.status()).toBe(200);
    await queues.getByText('tundra-plan').first().waitFor();
    expect(board!.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(elsewhere).toEqual([]);
    expect(refused.every((text) => /csp/i.test(text))).toBe(true);
    await queues.screenshot({ path: 'test-results/console/queues.png' });
    await plain.close();
  });

  it('confines a project token to its project, and bull-board refuses it', async () => {
    explainFailure();
    const created = await system.store.runs.createRun({
      projectId: 'other',
      taigaItem: buildTaigaItem(),
      title: 'Secret work',
      correlationId: 'corr-other',
      actor: testActor,
    });
    if (created.kind !== 'created') throw new Error('run exists');
    const made = await fetch(`${apiUrl}/api/v1/projects/main/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.env.TUNDRA_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'console-team' }),
    });
    const { token } = (await made.json()) as { token: string };
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
    const page = await signIn(context, token);
    await expect(page.locator('#who').textContent()).resolves.toBe('Signed in as project:main/console-team');
    expect(await page.getByRole('link', { name: 'Queues' }).isVisible()).toBe(false);

    await open(page, '/console/projects');
    const rows = await page.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('main');
    await expectAccessible(page, 'projects-phone');

    await open(page, `/console/runs/${created.run.id}`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      `protocol run ${created.run.id} does not exist`,
    );
    const status = await page.evaluate(
      async (id) => (await fetch(`/api/v1/runs/${id}`)).status,
      created.run.id,
    );
    expect(status).toBe(404);
    const queues = await page.goto(`${apiUrl}/console/queues/`);
    expect(queues!.status()).toBe(403);
    await context.close();
  });
});
