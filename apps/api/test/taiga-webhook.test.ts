import { afterEach, describe, expect, it } from 'vitest';
import { type ApiHarness, defaultWebhookSettings, type HarnessOptions, startHarness } from './harness.js';

let h: ApiHarness;
afterEach(async () => h.stop());

async function setup(options: HarnessOptions = {}) {
  h = await startHarness(options);
  await h.putProject({
    id: 'demo',
    taiga: {
      projectId: h.seed.project.id,
      projectSlug: h.seed.project.slug,
      webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO',
    },
  });
}

const botBecomesAdmin = () =>
  h.taiga.addMember({
    project: h.seed.project.id,
    username: h.seed.users.bot.username,
    role: 'back',
    isAdmin: true,
  });

describe('PUT /projects/{id}/taiga-webhook', () => {
  it('says what a person does when the bot is no project admin', async () => {
    await setup();
    const answer = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(answer.status).toBe(200);
    expect(answer.body.webhook).toMatchObject({
      state: 'manual',
      taigaWebhookId: null,
      name: 'Tundra',
      url: 'http://127.0.0.1:9/webhooks/taiga/demo',
      reason: expect.stringContaining("the bot user 'taiga-bot' is not an admin of Taiga project"),
    });
    expect(answer.body.webhook.steps).toEqual([
      expect.stringContaining(`open the project '${h.seed.project.slug}': Admin → Integrations → Webhooks`),
      'Name: Tundra',
      'URL: http://127.0.0.1:9/webhooks/taiga/demo',
      'Secret key: the value of TUNDRA_WEBHOOK_KEY_DEMO',
      expect.stringContaining('`tundra projects check demo`'),
      "Or let Tundra do it: make 'taiga-bot' an admin of the project (Admin → Members), then run `tundra projects apply` again",
    ]);
  });

  it('creates the webhook as a project admin, leaves it alone the second time, and fixes a changed key', async () => {
    await setup();
    botBecomesAdmin();
    const created = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(created.body.webhook).toMatchObject({ state: 'created', reason: null, steps: [] });
    const id = created.body.webhook.taigaWebhookId as number;
    const admin = h.taiga.actAs(h.seed.users.admin.username);
    expect(JSON.stringify(created.body)).not.toContain('demo-key');

    const again = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(again.body.webhook).toMatchObject({ state: 'unchanged', taigaWebhookId: id });

    // A person changed the key in Taiga, and the ingester moved: both are put back.
    h.taiga.retargetWebhook(id, 'http://127.0.0.2:9/webhooks/taiga/demo', 'typo');
    const fixed = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(fixed.body.webhook).toMatchObject({ state: 'updated', taigaWebhookId: id });
    const deliveries = h.taiga.webhookDeliveries().length;
    await admin.patchTask(h.seed.tasks[0]!.id, { comment: 'ping', version: 1 });
    const sent = h.taiga.webhookDeliveries().slice(deliveries);
    expect(sent.map((delivery) => delivery.url)).toEqual(['http://127.0.0.1:9/webhooks/taiga/demo']);
  });

  it('says what is missing when the ingester’s address or the key is not set', async () => {
    await setup({ webhooks: { ...defaultWebhookSettings, ingesterPublicUrl: null } });
    botBecomesAdmin();
    const noUrl = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(noUrl.body.webhook).toMatchObject({
      state: 'manual',
      url: null,
      reason: expect.stringContaining('TUNDRA_INGESTER_PUBLIC_URL is not set on the API'),
    });
    expect(noUrl.body.webhook.steps[2]).toContain('URL: https://<ingester>/webhooks/taiga/demo');
    expect(noUrl.body.webhook.steps).toHaveLength(5);
    await h.stop();

    await setup({ webhooks: { ...defaultWebhookSettings, webhookKey: () => undefined } });
    botBecomesAdmin();
    const noKey = await h.request('PUT', '/projects/demo/taiga-webhook');
    expect(noKey.body.webhook).toMatchObject({
      state: 'manual',
      reason: expect.stringContaining("TUNDRA_WEBHOOK_KEY_DEMO is not set in the API's environment"),
    });
    expect(noKey.body.webhook.steps[0]).toBe(
      "Set TUNDRA_WEBHOOK_KEY_DEMO to a long random string (e.g. `openssl rand -hex 32`) in the environment of Tundra's ingester and API, and restart them",
    );
  });

  it('is the admin’s: a project token may not register, but may check', async () => {
    await setup();
    const token = await h.projectToken('demo');
    const register = await h.request('PUT', '/projects/demo/taiga-webhook', {
      projectToken: token,
      token: null,
    });
    expect(register.status).toBe(403);
    const check = await h.request('POST', '/projects/demo/taiga-webhook/check', {
      projectToken: token,
      token: null,
    });
    expect(check.status).toBe(200);
  });
});

describe('POST /projects/{id}/taiga-webhook/check', () => {
  it('says why there is no test when the bot may not see webhooks, or there is none', async () => {
    await setup();
    const refused = await h.request('POST', '/projects/demo/taiga-webhook/check');
    expect(refused.body).toMatchObject({
      webhook: null,
      test: null,
      reason: expect.stringContaining("press Test in Taiga's webhook page instead"),
    });
    botBecomesAdmin();
    const none = await h.request('POST', '/projects/demo/taiga-webhook/check');
    expect(none.body.reason).toContain("has no webhook to the ingester's /webhooks/taiga/demo");
    expect(none.body.steps).toHaveLength(5);
    expect(none.body.steps.join('\n')).not.toContain('Or let Tundra do it');
  });

  it('reports a test delivery Taiga could not deliver', async () => {
    await setup();
    botBecomesAdmin();
    await h.request('PUT', '/projects/demo/taiga-webhook');
    const check = await h.request('POST', '/projects/demo/taiga-webhook/check');
    expect(check.status).toBe(200);
    expect(check.body.webhook).toMatchObject({
      name: 'Tundra',
      url: 'http://127.0.0.1:9/webhooks/taiga/demo',
    });
    expect(check.body.test).toMatchObject({
      status: 0,
      verified: false,
      verdict: expect.stringContaining(
        'Taiga could not reach the ingester at http://127.0.0.1:9/webhooks/taiga/demo',
      ),
    });
    expect(check.body.deliveries).toEqual([
      expect.objectContaining({ action: 'test', type: 'test', status: 0, ok: false }),
    ]);
  });
});
