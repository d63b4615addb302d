import { Router } from 'express';
import type { Fault } from '../http/faults.js';
import { bodyOf, sendJson } from '../http/respond.js';
import type { DemoSeed, SeedOptions } from '../operations/seed.js';
import type { DeliveryRecord } from '../webhooks/dispatcher.js';

/** The sandbox's own controls, reachable over HTTP for processes that did not start it (see the README). */
export interface SandboxControl {
  seedDemo(options?: SeedOptions): Promise<DemoSeed>;
  expireTokens(): void;
  injectFaults(fault: Fault): void;
  webhookDeliveries(): readonly DeliveryRecord[];
}

function seedOptions(body: Record<string, unknown>): SeedOptions {
  const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
  const preset = text('preset');
  return {
    webhookUrl: text('webhookUrl'),
    webhookKey: text('webhookKey'),
    projectSlug: text('projectSlug'),
    preset: preset === 'tundra' || preset === 'taiga-default' ? preset : undefined,
  };
}

/** `POST /sandbox/seed`, `POST /sandbox/expire-tokens`, `POST /sandbox/faults`, `GET /sandbox/deliveries`. */
export function sandboxAdminRouter(control: SandboxControl): Router {
  const router = Router();
  router.post('/sandbox/seed', async (req, res) => {
    try {
      sendJson(res, 201, await control.seedDemo(seedOptions(bodyOf(req))));
    } catch (error) {
      sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
    }
  });
  router.post('/sandbox/expire-tokens', (_req, res) => {
    control.expireTokens();
    res.status(204).end();
  });
  router.post('/sandbox/faults', (req, res) => {
    const body = bodyOf(req);
    if (typeof body.status !== 'number' || typeof body.count !== 'number') {
      sendJson(res, 400, { error: 'status and count (numbers) are required' });
      return;
    }
    control.injectFaults({
      status: body.status,
      count: body.count,
      method: typeof body.method === 'string' ? body.method : undefined,
      pathPattern: typeof body.pathPattern === 'string' ? new RegExp(body.pathPattern) : undefined,
      retryAfterSeconds: typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : undefined,
    });
    res.status(204).end();
  });
  router.get('/sandbox/deliveries', (_req, res) => {
    sendJson(res, 200, control.webhookDeliveries());
  });
  return router;
}
